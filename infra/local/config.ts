// Where the local stack lives and how it is laid out. Everything here is loopback-only and small:
// one name server, two brokers of one cluster, DynamoDB Local, all under one temp directory.
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROCKETMQ_VERSION = '5.3.3';
export const CLUSTER_NAME = 'LocalCluster';
export const HOST = '127.0.0.1';

/** Added to every port below, so two stacks (two checkouts) can run side by side. */
const portOffset = Number.parseInt(process.env.STACK_PORT_OFFSET ?? '0', 10) || 0;

export const NAMESRV_PORT = 19876 + portOffset;
export const DYNAMODB_LOCAL_PORT = 18000 + portOffset;
/** dynalite, embedded in `npm start`. */
export const DYNALITE_PORT = 18001 + portOffset;

export type BrokerName = 'broker-a' | 'broker-b';
export const BROKER_NAMES: readonly BrokerName[] = ['broker-a', 'broker-b'];

/** A broker listens on `port`, its VIP channel on port - 2 and its HA service on port + 1. */
export const BROKER_PORTS: Record<BrokerName, number> = {
  'broker-a': 20911 + portOffset,
  'broker-b': 21911 + portOffset,
};

export interface TopicSpec {
  name: string;
  /** Read and write queue count on each broker that holds the topic. */
  queues: number;
  /** Brokers that hold the topic; all of the cluster when absent. */
  brokers?: BrokerName[];
}

/**
 * Topics created at start-up. Any other topic name is left uncreated, so a send to it goes through
 * the broker's TBW102 auto-creation.
 */
export const DEFAULT_TOPICS: TopicSpec[] = [
  { name: 'TopicTest', queues: 4 },
  { name: 'TopicOrder', queues: 4 },
  { name: 'TopicBatch', queues: 2 },
  { name: 'TopicOnlyA', queues: 2, brokers: ['broker-a'] },
];

export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** Downloaded jars and the throwaway pom: untracked, reused across runs. */
export const CACHE_DIR = process.env.STACK_CACHE_DIR ?? join(REPO_ROOT, '.cache');

/** Stores, logs, pid state. Fixed per port offset so `status` and `down` find a running stack. */
export const STACK_DIR = process.env.STACK_DIR ?? join(tmpdir(), `rocketmq-lambda-stack-${portOffset}`);
export const STATE_FILE = join(STACK_DIR, 'stack.json');

export const BOOT_TIMEOUT_MS = 90_000;
