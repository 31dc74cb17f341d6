// Reads stored messages back from the real brokers, to check what a send really stored:
// VIEW_MESSAGE_BY_ID by the broker's offset msgId, and QUERY_MESSAGE (12) by UNIQ_KEY, the way
// the admin tool's queryMsgByUniqueKey does (the broker's index is built shortly after the store,
// so a query is retried for a few seconds).
import { decodeOffsetMsgId, decodeStoredMessage, parseViewResponse, viewMessageRequest, type StoredMessage } from '../../lib/protocol/view-message.ts';
import type { RemotingClient } from '../../lib/remoting/remoting-client.ts';

export async function viewByOffsetId(remoting: RemotingClient, offsetMsgId: string): Promise<StoredMessage> {
  const { address, commitLogOffset } = decodeOffsetMsgId(offsetMsgId);
  return parseViewResponse(await remoting.invoke(address, viewMessageRequest(commitLogOffset), 3000), address);
}

function decodeAll(body: Buffer): StoredMessage[] {
  const messages: StoredMessage[] = [];
  for (let offset = 0; offset + 4 <= body.length; ) {
    const size = body.readInt32BE(offset);
    messages.push(decodeStoredMessage(body.subarray(offset, offset + size)));
    offset += size;
  }
  return messages;
}

export async function queryByUniqueKey(
  remoting: RemotingClient,
  brokers: string[],
  topic: string,
  uniqKey: string,
  timeoutMs = 10_000,
): Promise<StoredMessage> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const address of brokers) {
      const response = await remoting.invoke(
        address,
        {
          code: 12,
          extFields: {
            topic,
            key: uniqKey,
            maxNum: '32',
            beginTimestamp: '0',
            endTimestamp: String(Date.now() + 60_000),
            _UNIQUE_KEY_QUERY: 'true',
          },
        },
        3000,
      );
      if (response.code === 0 && response.body) {
        const found = decodeAll(response.body).find((m) => m.properties.get('UNIQ_KEY') === uniqKey);
        if (found) return found;
      }
    }
    if (Date.now() > deadline) throw new Error(`${uniqKey} not found in ${topic} on ${brokers.join(', ')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
