// decodeRouteResponse (pure: any code decodes, a success body is read) and parseRouteResponse
// (null for a topic the name server does not know, raises for any other code) on the answers the
// real name server, and a broker asked by mistake, gave to GET_ROUTEINFO_BY_TOPIC.
import { describe, expect, it } from 'vitest';
import { decodeRouteResponse, parseRouteResponse } from '../../lib/protocol/route.ts';
import { captured, refusal } from './captured.ts';

interface RouteAsked {
  topic: string;
  brokers: Record<string, string>;
}

describe('the route of a topic', () => {
  const { answer, asked } = captured<RouteAsked>('namesrv-route');

  it("decodes to each broker's master address and its queues, as the name server knows them", () => {
    const decoded = decodeRouteResponse(answer);

    expect(decoded.code).toBe(0);
    const brokers = Object.fromEntries(decoded.route!.brokerDatas.map((b) => [b.brokerName, b.brokerAddrs['0']]));
    expect(brokers).toEqual(asked.brokers);
    expect(decoded.route!.brokerDatas.map((b) => b.cluster)).toEqual(['LocalCluster', 'LocalCluster']);
    expect(
      decoded.route!.queueDatas.map(({ brokerName, readQueueNums, writeQueueNums, perm }) => ({ brokerName, readQueueNums, writeQueueNums, perm })),
    ).toEqual(expect.arrayContaining(Object.keys(asked.brokers).map((brokerName) => ({ brokerName, readQueueNums: 4, writeQueueNums: 4, perm: 6 }))));
  });

  it('decodes the same route from the answer the Java admin tool got', () => {
    const java = captured('namesrv-response-to-JSON-0').answer;
    const [fromJava, fromUs] = [decodeRouteResponse(java), decodeRouteResponse(answer)];

    expect(fromJava.route).toBeDefined();
    expect(fromJava).toEqual(fromUs);
  });

  it('parses to the route', () => {
    const decoded = decodeRouteResponse(answer);

    expect(parseRouteResponse(decoded, asked.topic, '127.0.0.1:19876')).toBe(decoded.route);
  });
});

describe('no route', () => {
  it('decodes TOPIC_NOT_EXIST with its remark and parses it to null: the topic is not known', () => {
    const { answer, asked } = captured<{ topic: string }>('namesrv-route-unknown-topic');
    const decoded = decodeRouteResponse(answer);

    expect(decoded.code).toBe(17);
    expect(decoded.remark).toMatch(new RegExp(`^No topic route info in name server for the topic: ${asked.topic}\\n`));
    expect(decoded.route).toBeUndefined();
    expect(parseRouteResponse(decoded, asked.topic, '127.0.0.1:19876')).toBeNull();
  });

  it('decodes the answer of a server that does not serve routes, and parses it to a BrokerError', () => {
    const decoded = decodeRouteResponse(captured('broker-route-not-supported').answer);

    expect(decoded).toEqual({ code: 3, remark: ' request type 105 not supported' });
    const error = refusal(() => parseRouteResponse(decoded, 'TopicTest', '127.0.0.1:20911'));
    expect([error.code, error.codeName, error.context]).toEqual([3, 'REQUEST_CODE_NOT_SUPPORTED', { address: '127.0.0.1:20911', topic: 'TopicTest' }]);
  });
});
