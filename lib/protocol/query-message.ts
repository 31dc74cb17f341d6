// QUERY_MESSAGE (12), client -> broker (QueryMessageRequestHeader): topic, key, maxNum,
// beginTimestamp, endTimestamp, and `_UNIQUE_KEY_QUERY=true` to search the UNIQ_KEY index instead
// of KEYS (the admin tool's queryMsgByUniqueKey). The body answers the stored messages back to
// back; 208 NO_MESSAGE... is not used: an empty answer is code 0 or 208 with no body.
import { BrokerError } from '../errors.ts';
import { RequestCode, ResponseCode } from '../remoting/codes.ts';
import type { RemotingCommand, RequestCommand } from '../remoting/command.ts';
import { decodeStoredMessage, type StoredMessage } from './view-message.ts';

const QUERY_NOT_FOUND = 22;

export function queryByUniqueKeyRequest(topic: string, uniqKey: string, now = Date.now()): RequestCommand {
  return {
    code: RequestCode.QUERY_MESSAGE,
    extFields: { topic, key: uniqKey, maxNum: '32', beginTimestamp: '0', endTimestamp: String(now + 60_000), _UNIQUE_KEY_QUERY: 'true' },
  };
}

/** The stored messages of the answer with that UNIQ_KEY (the index can hold hash neighbours). */
export function parseQueryResponse(response: RemotingCommand, address: string, uniqKey: string): StoredMessage[] {
  if (response.code === QUERY_NOT_FOUND) return [];
  if (response.code !== ResponseCode.SUCCESS) throw new BrokerError(response.code, response.remark, { address });
  const found: StoredMessage[] = [];
  const body = response.body ?? Buffer.alloc(0);
  for (let offset = 0; offset + 4 <= body.length; ) {
    const size = body.readInt32BE(offset);
    const message = decodeStoredMessage(body.subarray(offset, offset + size));
    if (message.properties.get('UNIQ_KEY') === uniqKey) found.push(message);
    offset += size;
  }
  return found;
}
