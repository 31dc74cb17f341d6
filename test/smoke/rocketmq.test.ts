// The real name server and brokers of the local stack, seen through the naive probe client.
import { describe, expect, inject, it } from 'vitest';
import { clusterInfo, topicRoute } from '../../infra/local/probe.ts';

const stack = inject('stack');

describe('local RocketMQ cluster', () => {
  it('answers on the name server port and lists both brokers of the cluster', async () => {
    const view = await clusterInfo(stack.nameServer);

    expect(view.clusters[stack.cluster]?.slice().sort()).toEqual(['broker-a', 'broker-b']);
    expect(view.brokers['broker-a']).toEqual({ '0': stack.brokers['broker-a'].address });
    expect(view.brokers['broker-b']).toEqual({ '0': stack.brokers['broker-b'].address });
  });

  it('routes a created topic to both brokers with the queue count it was created with', async () => {
    const route = await topicRoute(stack.nameServer, 'TopicTest');

    const queues = route?.queueDatas.map((q) => [q.brokerName, q.readQueueNums, q.writeQueueNums, q.perm]);
    expect(queues?.sort()).toEqual([
      ['broker-a', 4, 4, 6],
      ['broker-b', 4, 4, 6],
    ]);
    const masters = route?.brokerDatas.map((b) => [b.brokerName, b.brokerAddrs['0']]).sort();
    expect(masters).toEqual([
      ['broker-a', stack.brokers['broker-a'].address],
      ['broker-b', stack.brokers['broker-b'].address],
    ]);
  });

  it('keeps a topic created on one broker on that broker only', async () => {
    const route = await topicRoute(stack.nameServer, 'TopicOnlyA');

    expect(route?.queueDatas.map((q) => q.brokerName)).toEqual(['broker-a']);
  });

  it('has no route for an uncreated topic, and TBW102 on every broker for auto-creation', async () => {
    const unknown = await topicRoute(stack.nameServer, `NeverCreated${Date.now()}`);
    const tbw102 = await topicRoute(stack.nameServer, 'TBW102');

    expect(unknown).toBeNull();
    expect(tbw102?.queueDatas.map((q) => q.brokerName).sort()).toEqual(['broker-a', 'broker-b']);
  });
});
