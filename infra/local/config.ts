// Where the local stack lives and how it is laid out. Everything here is loopback-only and small:
// one name server, two brokers of one cluster, DynamoDB Local, all under one temp directory.
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parsePortOffset, stackPorts } from './ports.ts';

export const ROCKETMQ_VERSION = '5.3.3';
export const CLUSTER_NAME = 'LocalCluster';
export const HOST = '127.0.0.1';

/**
 * STACK_PORT_OFFSET shifts every port, so two stacks (two checkouts) can run side by side. A value
 * that could make two stacks share a port is refused here, as this module loads, before anything
 * starts; entry points load the stack lazily so that refusal prints like any other StackError.
 */
export const PORT_OFFSET = parsePortOffset(process.env.STACK_PORT_OFFSET);
export const PORTS = stackPorts(PORT_OFFSET);

export const NAMESRV_PORT = PORTS.nameServer;
export const DYNAMODB_LOCAL_PORT = PORTS.dynamodbLocal;
/** dynalite, embedded in `npm start`. */
export const DYNALITE_PORT = PORTS.dynalite;

export type BrokerName = 'broker-a' | 'broker-b';
export const BROKER_NAMES: readonly BrokerName[] = ['broker-a', 'broker-b'];

export interface TopicSpec {
  name: string;
  /** Read and write queue count on each broker that holds the topic. */
  queues: number;
  /** Brokers that hold the topic; all of the cluster when absent. */
  brokers?: BrokerName[];
  /** 5.x topic attributes (`updateTopic -a`), e.g. `+message.type=FIFO` for a 5.x Proxy's type check. */
  attributes?: string[];
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
export const STACK_DIR = process.env.STACK_DIR ?? join(tmpdir(), `rocketmq-lambda-stack-${PORT_OFFSET}`);
export const STATE_FILE = join(STACK_DIR, 'stack.json');

export const BOOT_TIMEOUT_MS = 90_000;
