// VIEW_MESSAGE_BY_ID (33), client -> broker: extFields offset = commit-log offset (from the
// broker's offset msgId). The answer's body is the stored message in commit-log format
// (MessageDecoder.decode), the same layout CHECK_TRANSACTION_STATE carries:
//   int32 totalSize | int32 magic | int32 bodyCRC | int32 queueId | int32 flag | int64 queueOffset
//   | int64 physicalOffset | int32 sysFlag | int64 bornTimestamp | bornHost (4 or 16 bytes + int32)
//   | int64 storeTimestamp | storeHost (4 or 16 bytes + int32) | int32 reconsumeTimes
//   | int64 preparedTransactionOffset | int32 bodyLength + body | topic (int8 length for magic
//   V1, int16 for V2) | int16 propertiesLength + properties
import { BrokerError } from '../errors.ts';
import { decodeProperties } from '../message/properties.ts';
import { BufferReader } from '../remoting/buffer-reader.ts';
import { RequestCode } from '../remoting/codes.ts';
import type { RemotingCommand } from '../remoting/command.ts';
import type { RequestCommand } from '../remoting/command.ts';

const MAGIC_V2 = 0xdaa320ab | 0;
const BORNHOST_V6 = 0x10;
const STOREHOST_V6 = 0x20;

export interface StoredMessage {
  queueId: number;
  flag: number;
  queueOffset: number;
  commitLogOffset: number;
  sysFlag: number;
  bornTimestamp: number;
  storeTimestamp: number;
  reconsumeTimes: number;
  /** As stored: still compressed when sysFlag says so. */
  body: Buffer;
  topic: string;
  properties: Map<string, string>;
}

/** The store address and commit-log offset packed in a broker offset msgId (32 or 56 hex chars). */
export function decodeOffsetMsgId(offsetMsgId: string): { address: string; commitLogOffset: number } {
  const bytes = Buffer.from(offsetMsgId, 'hex');
  const ipLength = bytes.length === 16 ? 4 : 16;
  const ip = ipLength === 4 ? [...bytes.subarray(0, 4)].join('.') : bytes.subarray(0, 16).toString('hex');
  return {
    address: `${ip}:${bytes.readInt32BE(ipLength)}`,
    commitLogOffset: Number(bytes.readBigInt64BE(ipLength + 4)),
  };
}

export function viewMessageRequest(commitLogOffset: number): RequestCommand {
  return { code: RequestCode.VIEW_MESSAGE_BY_ID, extFields: { offset: String(commitLogOffset) } };
}

const readLong = (r: BufferReader): number => Number(r.bytes(8).readBigInt64BE(0));

export function decodeStoredMessage(bytes: Buffer): StoredMessage {
  const r = new BufferReader(bytes);
  r.int32(); // totalSize
  const magic = r.int32();
  r.int32(); // bodyCRC
  const queueId = r.int32();
  const flag = r.int32();
  const queueOffset = readLong(r);
  const commitLogOffset = readLong(r);
  const sysFlag = r.int32();
  const bornTimestamp = readLong(r);
  r.bytes((sysFlag & BORNHOST_V6 ? 16 : 4) + 4);
  const storeTimestamp = readLong(r);
  r.bytes((sysFlag & STOREHOST_V6 ? 16 : 4) + 4);
  const reconsumeTimes = r.int32();
  readLong(r); // preparedTransactionOffset
  const body = Buffer.from(r.bytes(r.int32()));
  const topic = r.utf8(magic === MAGIC_V2 ? r.int16() : r.int8() & 0xff);
  const properties = decodeProperties(r.utf8(r.uint16()));
  return { queueId, flag, queueOffset, commitLogOffset, sysFlag, bornTimestamp, storeTimestamp, reconsumeTimes, body, topic, properties };
}

export function parseViewResponse(response: RemotingCommand, address: string): StoredMessage {
  if (response.code !== 0 || !response.body) throw new BrokerError(response.code, response.remark, { address });
  return decodeStoredMessage(response.body);
}
