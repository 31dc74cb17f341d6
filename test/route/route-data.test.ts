// Route JSON in both forms, and the publish view built from it as the Java client builds it.
import { describe, expect, it } from 'vitest';
import { parseLenientJson, quoteBareNumericKeys } from '../../lib/internal.ts';
import { capDefaultTopicRoute, toPublishInfo } from '../../lib/internal.ts';
import { parseTopicRouteData, RocketMQError, sameRoute, type TopicRouteData } from '../../lib/internal.ts';

describe('lenient route JSON', () => {
  it('quotes bare numeric map keys, including negative ones and keys after whitespace', () => {
    const legacy = '{"brokerAddrs":{0:"10.0.0.1:10911", 1 :"10.0.0.2:10911",-1:"x"},"n":[0,1]}';

    expect(parseLenientJson(legacy)).toEqual({
      brokerAddrs: { '0': '10.0.0.1:10911', '1': '10.0.0.2:10911', '-1': 'x' },
      n: [0, 1],
    });
  });

  it('leaves text inside strings alone, escaped quotes included', () => {
    const tricky = '{"remark":"{0:\\"a\\",1:2}","m":{7:"{8:9}"}}';

    expect(quoteBareNumericKeys(tricky)).toBe('{"remark":"{0:\\"a\\",1:2}","m":{"7":"{8:9}"}}');
    expect(parseLenientJson(tricky)).toEqual({ remark: '{0:"a",1:2}', m: { '7': '{8:9}' } });
  });

  it('reads the pre-4.7 topicSynFlag spelling', () => {
    const route = parseTopicRouteData('{"queueDatas":[{"brokerName":"b","readQueueNums":1,"writeQueueNums":1,"perm":6,"topicSynFlag":3}],"brokerDatas":[]}');

    expect(route.queueDatas[0]?.topicSysFlag).toBe(3);
  });
});

const route = (queues: [string, number, number][], brokers: [string, Record<string, string>][], orderTopicConf?: string): TopicRouteData => ({
  ...(orderTopicConf ? { orderTopicConf } : {}),
  queueDatas: queues.map(([brokerName, writeQueueNums, perm]) => ({ brokerName, readQueueNums: writeQueueNums, writeQueueNums, perm, topicSysFlag: 0 })),
  brokerDatas: brokers.map(([brokerName, brokerAddrs]) => ({ cluster: 'c', brokerName, brokerAddrs })),
});

describe('publish info (topicRouteData2TopicPublishInfo)', () => {
  it('lists writable queues of brokers with a master, sorted by broker name', () => {
    const info = toPublishInfo(
      'T',
      route(
        [
          ['broker-c', 1, 6],
          ['broker-a', 2, 6],
          ['broker-ro', 2, 4], // read-only
          ['broker-slave-only', 2, 6],
          ['broker-gone', 2, 6], // no broker data
        ],
        [
          ['broker-a', { '0': 'a:1', '1': 'a2:1' }],
          ['broker-c', { '0': 'c:1' }],
          ['broker-ro', { '0': 'ro:1' }],
          ['broker-slave-only', { '1': 's:1' }],
        ],
      ),
    );

    expect(info.messageQueues.map((q) => `${q.brokerName}/${q.queueId}`)).toEqual(['broker-a/0', 'broker-a/1', 'broker-c/0']);
    expect(info.orderTopic).toBe(false);
    expect(info.masters.get('broker-a')).toBe('a:1');
    expect(info.masters.has('broker-slave-only')).toBe(false);
  });

  it('sorts broker names in Java String order (upper case before lower case)', () => {
    const info = toPublishInfo(
      'T',
      route(
        [
          ['b', 1, 6],
          ['B', 1, 6],
        ],
        [
          ['b', { '0': 'x:1' }],
          ['B', { '0': 'y:1' }],
        ],
      ),
    );

    expect(info.messageQueues.map((q) => q.brokerName)).toEqual(['B', 'b']);
  });

  it('builds an ordered topic from orderTopicConf, whatever the queue data says', () => {
    const info = toPublishInfo('T', route([], [['a', { '0': 'a:1' }]], 'a:2;b:1'));

    expect(info.orderTopic).toBe(true);
    expect(info.messageQueues.map((q) => `${q.brokerName}/${q.queueId}`)).toEqual(['a/0', 'a/1', 'b/0']);
  });

  it('caps the default topic route at defaultTopicQueueNums for auto-creation', () => {
    const capped = capDefaultTopicRoute(
      route(
        [
          ['a', 8, 7],
          ['b', 2, 7],
        ],
        [
          ['a', { '0': 'a:1' }],
          ['b', { '0': 'b:1' }],
        ],
      ),
      4,
    );

    expect(capped.queueDatas.map((q) => [q.brokerName, q.readQueueNums, q.writeQueueNums])).toEqual([
      ['a', 4, 4],
      ['b', 2, 2],
    ]);
  });

  it('tells a changed route from the same route in another order', () => {
    const one = route(
      [
        ['a', 4, 6],
        ['b', 4, 6],
      ],
      [
        ['a', { '0': 'a:1' }],
        ['b', { '0': 'b:1' }],
      ],
    );
    const reordered = route(
      [
        ['b', 4, 6],
        ['a', 4, 6],
      ],
      [
        ['b', { '0': 'b:1' }],
        ['a', { '0': 'a:1' }],
      ],
    );
    const moved = route(
      [
        ['a', 4, 6],
        ['b', 4, 6],
      ],
      [
        ['a', { '0': 'a:2' }],
        ['b', { '0': 'b:1' }],
      ],
    );

    expect(sameRoute(one, reordered)).toBe(true);
    expect(sameRoute(one, moved)).toBe(false);
  });
});

describe('a route answer that is not TopicRouteData', () => {
  const cases: [string, string][] = [
    ['not JSON', '{"queueDatas":['],
    ['without brokerDatas', '{"queueDatas":[]}'],
    ['a null queue entry', '{"queueDatas":[null],"brokerDatas":[]}'],
    ['a number', '42'],
  ];
  for (const [what, body] of cases) {
    it(`is a PROTOCOL_ERROR, not a TypeError: ${what}`, () => {
      const error = (() => {
        try {
          parseTopicRouteData(Buffer.from(body));
        } catch (err) {
          return err;
        }
      })();

      expect(error).toBeInstanceOf(RocketMQError);
      expect((error as RocketMQError).codeName).toBe('PROTOCOL_ERROR');
    });
  }
});
