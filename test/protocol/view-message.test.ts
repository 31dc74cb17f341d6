// decodeStoredMessage (pure: the commit-log layout) with parseViewResponse and parseQueryResponse
// (raise for a refusal) on the answers a 5.3.3 broker gave to VIEW_MESSAGE_BY_ID and QUERY_MESSAGE
// for a message sent in the same capture.
import { describe, expect, it } from 'vitest';
import { decodeStoredMessage, parseViewResponse } from '../../lib/internal.ts';
import { parseQueryResponse } from '../../lib/protocol/query-message.ts';
import { captured, refusal } from './captured.ts';

interface Viewed {
  topic: string;
  queueId: number;
  queueOffset: number;
  commitLogOffset: number;
  body: string;
  uniqKey: string;
  keys: string;
  tags: string;
}

const view = captured<Viewed>('broker-view');
const asked = view.asked;

describe('a stored message', () => {
  it('decodes from the commit-log bytes to what was sent and where it was stored', () => {
    const message = decodeStoredMessage(view.answer.body!);

    expect(message).toMatchObject({
      topic: asked.topic,
      queueId: asked.queueId,
      queueOffset: asked.queueOffset,
      commitLogOffset: asked.commitLogOffset,
      sysFlag: 0,
      flag: 0,
      reconsumeTimes: 0,
    });
    expect(message.body.toString()).toBe(asked.body);
    expect(Object.fromEntries(message.properties)).toMatchObject({ UNIQ_KEY: asked.uniqKey, KEYS: asked.keys, TAGS: asked.tags, WAIT: 'true' });
    expect(message.storeTimestamp).toBeGreaterThanOrEqual(message.bornTimestamp);
  });

  it('parses from the view answer', () => {
    expect(parseViewResponse(view.answer, '127.0.0.1:20911')).toEqual(decodeStoredMessage(view.answer.body!));
  });

  it('parses a view of an offset past the commit log to a BrokerError', () => {
    const { answer, asked: past } = captured<{ commitLogOffset: number }>('broker-view-no-such-offset');

    const error = refusal(() => parseViewResponse(answer, '127.0.0.1:20911'));

    expect([error.code, error.codeName, error.remark]).toEqual([1, 'SYSTEM_ERROR', `can not find message by the offset, ${past.commitLogOffset}`]);
  });
});

describe('a query by UNIQ_KEY', () => {
  it('parses to the message with that key, as the view found it, and to nothing for another key', () => {
    const { answer } = captured('broker-query');

    expect(parseQueryResponse(answer, '127.0.0.1:20911', asked.uniqKey)).toEqual([decodeStoredMessage(view.answer.body!)]);
    expect(parseQueryResponse(answer, '127.0.0.1:20911', '0'.repeat(32))).toEqual([]);
  });

  it('parses "not found" (22) to nothing', () => {
    const { answer } = captured('broker-query-not-found');

    expect([answer.code, parseQueryResponse(answer, '127.0.0.1:20911', asked.uniqKey)]).toEqual([22, []]);
  });

  it('parses a refusal to a BrokerError', () => {
    const error = refusal(() => parseQueryResponse(captured('broker-query-refused').answer, '127.0.0.1:20911', asked.uniqKey));

    expect([error.code, error.codeName]).toEqual([1, 'SYSTEM_ERROR']);
    expect(error.remark).toMatch(/NullPointerException/);
  });
});
