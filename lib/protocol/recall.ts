// RECALL_MESSAGE (370), 5.3.2+: takes back a timer message before it is delivered.
//   request extFields: producerGroup (optional), topic, recallHandle; bname (the broker the handle
//                      names: a 5.x Proxy forwards by it and answers 15 without it; a broker ignores it)
//   response: SUCCESS with extFields msgId (the UNIQ_KEY); 16 "recall failed, operation is forbidden"
//             when recallMessageEnable is false (the default); 604 ILLEGAL_OPERATION for a handle
//             that is malformed ("recall handle is invalid"), past or too far ("timestamp invalid"),
//             of another topic ("topic not match") or another broker; 17 for a topic the broker
//             lacks; 3 from servers before 5.3.2.
// The handle comes back in the send response (extFields recallHandle) of a timer message only: the
// base64url text (with padding) of "v1 <topic> <brokerName> <delivery ms + 1> <UNIQ_KEY>", where the
// delivery time is the broker's, rounded down to its timer's precision. Success means the broker
// wrote the deletion mark: a handle of a message that does not exist also succeeds.
import { RequestCode } from '../remoting/codes.ts';
import type { RequestCommand } from '../remoting/command.ts';

export interface RecallHandle {
  /** As the broker stores it: with the namespace. */
  topic: string;
  brokerName: string;
  /** Epoch ms from which the message is delivered and can no longer be recalled. */
  deliverAt: number;
  uniqKey: string;
}

const BASE64URL = /^[A-Za-z0-9_-]+={0,2}$/;

/** The handle's parts, or why it is not a handle (a version other than v1 included). */
export function decodeRecallHandle(handle: string): RecallHandle | string {
  if (typeof handle !== 'string' || handle.length === 0 || handle.length > 1024 || !BASE64URL.test(handle)) return 'is not base64url text';
  const parts = Buffer.from(handle, 'base64url').toString('utf8').split(' ');
  if (parts[0] !== 'v1') return 'is not a recall handle (version v1)';
  if (parts.length !== 5 || parts.some((p) => p === '')) return 'is not a recall handle (v1 topic broker time id)';
  const [, topic, brokerName, time, uniqKey] = parts as [string, string, string, string, string];
  if (!/^\d{1,15}$/.test(time)) return 'carries no delivery time';
  return { topic, brokerName, deliverAt: Number(time) - 1, uniqKey };
}

export function recallRequest(producerGroup: string, topic: string, handle: string, brokerName: string): RequestCommand {
  return { code: RequestCode.RECALL_MESSAGE, extFields: { producerGroup, topic, recallHandle: handle, bname: brokerName } };
}
