// Reads stored messages back from the real brokers, to check what a send really stored:
// VIEW_MESSAGE_BY_ID by the broker's offset msgId, and QUERY_MESSAGE (12) by UNIQ_KEY, the way
// the admin tool's queryMsgByUniqueKey does (the broker's index is built shortly after the store,
// so a query is retried for a few seconds).
import { decodeOffsetMsgId, parseViewResponse, viewMessageRequest, type StoredMessage } from '../../lib/internal.ts';
import type { RemotingClient } from '../../lib/internal.ts';
import { decodeMessages } from './queue-reader.ts';

export async function viewByOffsetId(remoting: RemotingClient, offsetMsgId: string): Promise<StoredMessage> {
  const { address, commitLogOffset } = decodeOffsetMsgId(offsetMsgId);
  return parseViewResponse(await remoting.invoke(address, viewMessageRequest(commitLogOffset), 3000), address);
}

/**
 * QUERY_MESSAGE (12) by key on each broker until found or `waitMs` passes; undefined when not
 * found. `unique` asks for the UNIQ_KEY index (queryMsgByUniqueKey), otherwise KEYS is searched.
 */
export async function queryByKey(
  remoting: RemotingClient,
  brokers: string[],
  topic: string,
  key: string,
  options: { unique?: boolean; waitMs?: number } = {},
): Promise<StoredMessage | undefined> {
  const deadline = Date.now() + (options.waitMs ?? 10_000);
  for (;;) {
    for (const address of brokers) {
      const extFields: Record<string, string> = { topic, key, maxNum: '32', beginTimestamp: '0', endTimestamp: String(Date.now() + 60_000) };
      if (options.unique) extFields._UNIQUE_KEY_QUERY = 'true';
      // A broker being killed or restarted answers nothing: that is "not found there".
      const response = await remoting.invoke(address, { code: 12, extFields }, 3000).catch(() => undefined);
      if (response?.code === 0 && response.body) {
        const wanted = (m: StoredMessage) =>
          options.unique ? m.properties.get('UNIQ_KEY') === key : (m.properties.get('KEYS') ?? '').split(' ').includes(key);
        const found = decodeMessages(response.body).find(wanted);
        if (found) return found;
      }
    }
    if (Date.now() > deadline) return undefined;
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function queryByUniqueKey(remoting: RemotingClient, brokers: string[], topic: string, uniqKey: string, waitMs = 10_000): Promise<StoredMessage> {
  const found = await queryByKey(remoting, brokers, topic, uniqKey, { unique: true, waitMs });
  if (!found) throw new Error(`${uniqKey} not found in ${topic} on ${brokers.join(', ')}`);
  return found;
}

/** Every stored copy carrying `key` in its KEYS on each broker (QUERY_MESSAGE answers each copy it indexed), once the key is indexed. */
export async function copiesByKey(remoting: RemotingClient, brokers: string[], topic: string, key: string): Promise<StoredMessage[]> {
  await queryByKey(remoting, brokers, topic, key); // waits until indexed
  const copies: StoredMessage[] = [];
  for (const address of brokers) {
    const extFields = { topic, key, maxNum: '32', beginTimestamp: '0', endTimestamp: String(Date.now() + 60_000) };
    const response = await remoting.invoke(address, { code: 12, extFields }, 3000);
    if (response.code === 0 && response.body)
      copies.push(...decodeMessages(response.body).filter((m) => (m.properties.get('KEYS') ?? '').split(' ').includes(key)));
  }
  return copies;
}
