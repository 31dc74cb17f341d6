// SEND_MESSAGE_V2 (310) / SEND_BATCH_MESSAGE (320), client -> broker (SendMessageRequestHeaderV2):
//   a producerGroup  b topic  c defaultTopic  d defaultTopicQueueNums  e queueId  f sysFlag
//   g bornTimestamp  h flag  i properties  j reconsumeTimes  k unitMode  l maxReconsumeTimes
//   m batch (the broker picks the batch path by this flag)  n brokerName (4.9.5+ / 5.1+)
// SEND_MESSAGE (10) carries the same fields under their long names (SendMessageRequestHeader);
// V1 is V2 with the letters spelled out, so it is derived here, not written twice.
// Response (SendMessageResponseHeader): msgId (offset id), queueId, queueOffset, transactionId,
// plus MSG_REGION and TRACE_ON added by the broker to every send response.
import { BrokerError } from '../errors.ts';
import { RequestCode, ResponseCode } from '../remoting/codes.ts';
import type { RemotingCommand } from '../remoting/command.ts';
import type { RequestCommand } from '../remoting/command.ts';

export interface SendHeader {
  producerGroup: string;
  topic: string;
  defaultTopic: string;
  defaultTopicQueueNums: number;
  queueId: number;
  sysFlag: number;
  bornTimestamp: number;
  flag: number;
  properties: string;
  reconsumeTimes: number;
  unitMode: boolean;
  maxReconsumeTimes?: number;
  batch: boolean;
  brokerName: string;
}

/** V1 spells the broker name `bname` (inherited from TopicRequestHeader), not `brokerName`. */
const V1_NAMES: Partial<Record<keyof SendHeader, string>> = { brokerName: 'bname' };

export function sendRequest(header: SendHeader, body: Buffer, version: 'V1' | 'V2' = 'V2'): RequestCommand {
  const code = header.batch ? RequestCode.SEND_BATCH_MESSAGE : version === 'V2' ? RequestCode.SEND_MESSAGE_V2 : RequestCode.SEND_MESSAGE;
  return { code, extFields: version === 'V2' || header.batch ? v2Fields(header) : v1Fields(header), body };
}

/** Written out field by field: this runs once per send, and a loop over the entries cost 1 µs. */
function v2Fields(h: SendHeader): Record<string, string> {
  const fields: Record<string, string> = {
    a: h.producerGroup,
    b: h.topic,
    c: h.defaultTopic,
    d: String(h.defaultTopicQueueNums),
    e: String(h.queueId),
    f: String(h.sysFlag),
    g: String(h.bornTimestamp),
    h: String(h.flag),
    i: h.properties,
    j: String(h.reconsumeTimes),
    k: String(h.unitMode),
  };
  if (h.maxReconsumeTimes !== undefined) fields.l = String(h.maxReconsumeTimes);
  fields.m = String(h.batch);
  fields.n = h.brokerName;
  return fields;
}

function v1Fields(h: SendHeader): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [field, value] of Object.entries(h) as [keyof SendHeader, SendHeader[keyof SendHeader]][]) {
    if (value !== undefined) fields[V1_NAMES[field] ?? field] = String(value);
  }
  return fields;
}

export const SendStatus = {
  SEND_OK: 'SEND_OK',
  FLUSH_DISK_TIMEOUT: 'FLUSH_DISK_TIMEOUT',
  FLUSH_SLAVE_TIMEOUT: 'FLUSH_SLAVE_TIMEOUT',
  SLAVE_NOT_AVAILABLE: 'SLAVE_NOT_AVAILABLE',
} as const;
export type SendStatus = (typeof SendStatus)[keyof typeof SendStatus];

/** The four codes that mean "stored" (MQClientAPIImpl.processSendResponse). */
const STORED: ReadonlyMap<number, SendStatus> = new Map([
  [ResponseCode.SUCCESS, SendStatus.SEND_OK],
  [ResponseCode.FLUSH_DISK_TIMEOUT, SendStatus.FLUSH_DISK_TIMEOUT],
  [ResponseCode.FLUSH_SLAVE_TIMEOUT, SendStatus.FLUSH_SLAVE_TIMEOUT],
  [ResponseCode.SLAVE_NOT_AVAILABLE, SendStatus.SLAVE_NOT_AVAILABLE],
]);

export interface SendResponse {
  code: number;
  remark?: string;
  status?: SendStatus;
  offsetMsgId: string;
  queueId: number;
  queueOffset: number;
  transactionId?: string;
  /** 5.3.2+, timer messages only: the handle RECALL_MESSAGE takes. */
  recallHandle?: string;
  regionId: string;
  traceOn: boolean;
}

/** Pure: every code decodes. */
export function decodeSendResponse(response: RemotingCommand): SendResponse {
  const ext = response.extFields;
  const decoded: SendResponse = {
    code: response.code,
    offsetMsgId: ext.msgId ?? '',
    queueId: Number(ext.queueId ?? -1),
    queueOffset: Number(ext.queueOffset ?? -1),
    regionId: ext.MSG_REGION || 'DefaultRegion',
    traceOn: ext.TRACE_ON !== 'false',
  };
  const status = STORED.get(response.code);
  if (status) decoded.status = status;
  if (response.remark !== undefined) decoded.remark = response.remark;
  if (ext.transactionId) decoded.transactionId = ext.transactionId;
  if (ext.recallHandle) decoded.recallHandle = ext.recallHandle;
  return decoded;
}

/** The stored response, or a BrokerError carrying any other code and its remark. */
export function parseSendResponse(decoded: SendResponse, address: string, topic: string): SendResponse & { status: SendStatus } {
  if (!decoded.status) throw new BrokerError(decoded.code, decoded.remark, { address, topic });
  return decoded as SendResponse & { status: SendStatus };
}
