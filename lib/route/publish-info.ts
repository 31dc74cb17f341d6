// The publish view of a route, built exactly as MQClientInstance.topicRouteData2TopicPublishInfo
// does, and the TBW102 fallback of DefaultMQProducerImpl.tryToFindTopicPublishInfo.
import { isWritable, type TopicRouteData } from '../protocol/topic-route.ts';

export interface MessageQueue {
  topic: string;
  brokerName: string;
  queueId: number;
}

export interface TopicPublishInfo {
  topic: string;
  /** Built from orderTopicConf: queues are fixed per broker, ordered sends never move. */
  orderTopic: boolean;
  messageQueues: MessageQueue[];
  /** broker name -> master ("0") address, for brokers of this route. */
  masters: Map<string, string>;
  route: TopicRouteData;
  /** True when this view is the default topic's route lent to a topic with no route of its own. */
  fromDefaultTopic: boolean;
}

export const MASTER_ID = '0';

export function toPublishInfo(topic: string, route: TopicRouteData, fromDefaultTopic = false): TopicPublishInfo {
  const masters = new Map<string, string>();
  for (const broker of route.brokerDatas) {
    const master = broker.brokerAddrs[MASTER_ID];
    if (master) masters.set(broker.brokerName, master);
  }
  const messageQueues: MessageQueue[] = [];
  let orderTopic = false;
  if (route.orderTopicConf) {
    // "brokerA:4;brokerB:4": every listed broker, queues 0..n-1, whatever the perms say.
    orderTopic = true;
    for (const entry of route.orderTopicConf.split(';')) {
      const [brokerName, count] = entry.split(':');
      if (!brokerName || !count) continue;
      for (let queueId = 0; queueId < Number(count); queueId++) messageQueues.push({ topic, brokerName, queueId });
    }
  } else {
    const queueDatas = [...route.queueDatas].sort((a, b) => compareJavaStrings(a.brokerName, b.brokerName));
    for (const queueData of queueDatas) {
      if (!isWritable(queueData.perm)) continue;
      const broker = route.brokerDatas.find((b) => b.brokerName === queueData.brokerName);
      // Only brokers with a master take sends.
      if (!broker?.brokerAddrs[MASTER_ID]) continue;
      for (let queueId = 0; queueId < queueData.writeQueueNums; queueId++) {
        messageQueues.push({ topic, brokerName: queueData.brokerName, queueId });
      }
    }
  }
  return { topic, orderTopic, messageQueues, masters, route, fromDefaultTopic };
}

/** Usable when it has at least one queue (TopicPublishInfo.ok()). */
export const isUsable = (info: TopicPublishInfo | undefined): info is TopicPublishInfo => info !== undefined && info.messageQueues.length > 0;

/**
 * The default topic's route with each broker's queue counts capped at `defaultTopicQueueNums`,
 * to be used under the user's topic name so the broker auto-creates it on first send.
 */
export function capDefaultTopicRoute(route: TopicRouteData, defaultTopicQueueNums: number): TopicRouteData {
  return {
    ...route,
    queueDatas: route.queueDatas.map((q) => {
      const count = Math.min(defaultTopicQueueNums, q.readQueueNums);
      return { ...q, readQueueNums: count, writeQueueNums: count };
    }),
  };
}

/** Java String.compareTo: UTF-16 code unit order, not locale order. */
export function compareJavaStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
