// TopicRouteData as the name server sends it (TopicRouteData.java, QueueData.java, BrokerData.java).
import { RocketMQError, rocketError } from '../errors.ts';
import { parseLenientJson } from './lenient-json.ts';

export interface QueueData {
  brokerName: string;
  readQueueNums: number;
  writeQueueNums: number;
  perm: number;
  topicSysFlag: number;
}

export interface BrokerData {
  cluster: string;
  brokerName: string;
  /** broker id -> "host:port"; id 0 is the master. */
  brokerAddrs: Record<string, string>;
  zoneName?: string;
}

export interface TopicRouteData {
  /** "brokerA:4;brokerB:4" for ordered topics, when the name server has orderMessageEnable. */
  orderTopicConf?: string;
  queueDatas: QueueData[];
  brokerDatas: BrokerData[];
}

/** PermName.java */
export const Perm = { PRIORITY: 8, READ: 4, WRITE: 2, INHERIT: 1 } as const;
export const isWritable = (perm: number): boolean => (perm & Perm.WRITE) !== 0;

const num = (value: unknown): number => (typeof value === 'number' ? value : Number(value ?? 0));

/** Parses a route body in standard or legacy (bare numeric keys) JSON. Throws on anything else. */
/** A route answer (or stored route) that is not TopicRouteData: PROTOCOL_ERROR, whatever broke on the way. */
export function parseTopicRouteData(body: Buffer | string): TopicRouteData {
  try {
    return readTopicRouteData(body);
  } catch (err) {
    if (err instanceof RocketMQError) throw err;
    throw rocketError('PROTOCOL_ERROR', `malformed route data: ${(err as Error).message}`);
  }
}

function readTopicRouteData(body: Buffer | string): TopicRouteData {
  const raw = parseLenientJson(typeof body === 'string' ? body : body.toString('utf8')) as Record<string, unknown>;
  if (!raw || typeof raw !== 'object' || !Array.isArray(raw.queueDatas) || !Array.isArray(raw.brokerDatas)) {
    throw new Error('no queueDatas / brokerDatas');
  }
  const route: TopicRouteData = {
    queueDatas: (raw.queueDatas as Record<string, unknown>[]).map((q) => ({
      brokerName: String(q.brokerName),
      readQueueNums: num(q.readQueueNums),
      writeQueueNums: num(q.writeQueueNums),
      perm: num(q.perm),
      // 4.7.1 and older spell it topicSynFlag.
      topicSysFlag: num(q.topicSysFlag ?? q.topicSynFlag),
    })),
    brokerDatas: (raw.brokerDatas as Record<string, unknown>[]).map((b) => {
      const brokerAddrs: Record<string, string> = {};
      for (const [id, address] of Object.entries((b.brokerAddrs ?? {}) as Record<string, unknown>)) {
        brokerAddrs[id] = String(address);
      }
      const data: BrokerData = { cluster: String(b.cluster ?? ''), brokerName: String(b.brokerName), brokerAddrs };
      if (typeof b.zoneName === 'string') data.zoneName = b.zoneName;
      return data;
    }),
  };
  if (typeof raw.orderTopicConf === 'string' && raw.orderTopicConf.length > 0) route.orderTopicConf = raw.orderTopicConf;
  return route;
}

/** Content equality for change detection (MQClientInstance.topicRouteDataChanged), order-insensitive. */
export function sameRoute(a: TopicRouteData, b: TopicRouteData): boolean {
  return canonical(a) === canonical(b);
}

function canonical(route: TopicRouteData): string {
  const queues = [...route.queueDatas].sort((x, y) => x.brokerName.localeCompare(y.brokerName));
  const brokers = [...route.brokerDatas]
    .sort((x, y) => x.brokerName.localeCompare(y.brokerName))
    .map((b) => ({ ...b, brokerAddrs: Object.fromEntries(Object.entries(b.brokerAddrs).sort()) }));
  return JSON.stringify({ o: route.orderTopicConf ?? '', queues, brokers });
}
