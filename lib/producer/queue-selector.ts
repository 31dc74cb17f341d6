// Queue selection (MQFaultStrategy.selectOneMessageQueue, TopicPublishInfo.selectOneMessageQueue):
// a round-robin index per topic from a random start; a retry avoids the broker that just failed.
import { hashQueueIndex } from '../message/java-hash.ts';
import type { MessageQueue, TopicPublishInfo } from '../route/publish-info.ts';
import type { LatencyFaultTolerance } from './fault-tolerance.ts';

export class QueueSelector {
  private readonly indexes = new Map<string, number>();

  constructor(private readonly faults: LatencyFaultTolerance | null) {}

  private next(topic: string): number {
    const index = this.indexes.get(topic) ?? Math.floor(Math.random() * 2 ** 30);
    this.indexes.set(topic, (index + 1) % 2 ** 30);
    return index;
  }

  select(info: TopicPublishInfo, lastBrokerName?: string): MessageQueue {
    const queues = info.messageQueues;
    if (this.faults) {
      const faults = this.faults;
      // 1. a queue of an available broker other than the one that just failed;
      const start = this.next(info.topic);
      for (let i = 0; i < queues.length; i++) {
        const queue = queues[(start + i) % queues.length]!;
        if (queue.brokerName !== lastBrokerName && faults.isAvailable(queue.brokerName)) return queue;
      }
      // 2. else the least bad broker of those with a fault record, if it serves this topic;
      const notBest = faults.pickOneAtLeast();
      if (notBest !== undefined) {
        const writeQueueNums = queues.filter((q) => q.brokerName === notBest).length;
        if (writeQueueNums > 0) return { topic: info.topic, brokerName: notBest, queueId: this.next(info.topic) % writeQueueNums };
      }
    }
    // 3. else any queue, still avoiding the last broker when another exists.
    const start = this.next(info.topic);
    for (let i = 0; i < queues.length; i++) {
      const queue = queues[(start + i) % queues.length]!;
      if (queue.brokerName !== lastBrokerName) return queue;
    }
    return queues[start % queues.length]!;
  }
}

/** SelectMessageQueueByHash: the queue a Java producer picks for the same sharding key. */
export function selectByShardingKey(queues: readonly MessageQueue[], shardingKey: string): MessageQueue {
  return queues[hashQueueIndex(shardingKey, queues.length)]!;
}
