// What a producer offers its users: the send verbs, flush and shutdown, a stats snapshot, and the
// maintenance verbs a scheduled function needs. The implementation behind it is private.
import type { WorkScope } from './scope.ts';
import type { RocketMQError } from '../errors.ts';
import type { Message } from '../message/message.ts';
import type { MessageQueue } from '../route/publish-info.ts';
import type { SendResult } from './send-result.ts';
import type { HalfMessage, TransactionDecision } from './half-message.ts';
import type { TopicRouteData } from '../protocol/topic-route.ts';
import type { StoredLookup } from './lookup.ts';
import type { RecallOptions, RecallResult } from './recall.ts';

export type { HalfMessage, TransactionDecision } from './half-message.ts';

/** What a local transaction decided: UNKNOWN leaves the half message to the resolver or the broker's check. */
export type LocalTransactionState = TransactionDecision | 'UNKNOWN';

/**
 * A local transaction: async, so that TypeScript keeps `return 'COMMIT'` a literal (a function
 * typed to return `T | Promise<T>` widens an async body's literals to string).
 */
export type LocalTransaction<A extends unknown[] = [half: HalfMessage]> = (...args: A) => Promise<LocalTransactionState>;

export interface TransactionOutcome {
  half: HalfMessage;
  state: LocalTransactionState;
  /** True once the broker confirmed the commit or rollback. */
  ended: boolean;
  /** Why the local transaction's state is UNKNOWN (it threw), or why ending it failed. */
  error?: unknown;
}

export type ProducerState = 'CREATE_JUST' | 'RUNNING' | 'START_FAILED' | 'SHUTDOWN_ALREADY';

export interface SendOptions {
  /** This send's budget for all attempts; default sendMsgTimeout. */
  timeoutMs?: number;
  /** Epoch ms the send never runs past, whatever the retries (a Lambda's remaining time). */
  deadline?: number;
  /** Send to this queue; retries stay on it. */
  queue?: MessageQueue;
  /** Pick the queue (MessageQueueSelector); retries stay on the queue it picked. */
  selector?: (queues: readonly MessageQueue[], message: Message) => MessageQueue;
  /**
   * sendBatch only: refuse (MESSAGE_ILLEGAL, nothing sent) a batch that needs more than one
   * request, so the batch is stored whole or not at all (one request is one append).
   */
  atomic?: boolean;
  /**
   * Refuse (TOPIC_RESERVED, nothing sent) a topic named after a broker or cluster of its route:
   * brokers create those topics for themselves. Set by the functions for callers from outside.
   */
  refuseClusterTopics?: boolean;
}

export interface SettledBatchOptions extends SendOptions {
  /** Ordered input: after a message fails, every later one fails unsent (NOT_SENT). */
  stopOnFailure?: boolean;
}

/** One message of a settled batch: stored with its result, or failed with why. */
export interface BatchOutcome {
  result?: SendResult;
  error?: RocketMQError;
}

export interface StartOptions {
  /** Topics whose routes are fetched now (a Lambda's init phase); a failure leaves START_FAILED. */
  warmTopics?: string[];
  /** Shared-state work at start is given up at this epoch ms. */
  deadline?: number;
  /**
   * Also open a connection to, and heartbeat, every master of the warm topics' routes, so the
   * first send finds its socket ready (a Lambda's init phase). A broker that does not answer is
   * left for the first send; it does not fail the start.
   */
  connect?: boolean;
}

export interface RefreshOutcome {
  topics: number;
  routesWritten: number;
  failures: { topic: string; error: RocketMQError }[];
}

export interface ProbeOutcome {
  probed: number;
  lifted: number;
}

/** Counters since the producer was made; a snapshot, safe to keep. */
export interface ProducerStats {
  state: ProducerState;
  sends: number;
  attempts: number;
  retries: number;
  failures: number;
  heartbeatFailures: number;
  /** Requests sent again because an idle socket failed on first use. */
  staleReconnects: number;
  /**
   * Sockets opened, not yet reported closed by the runtime, and closed to stay within
   * maxConnections; `open` is 0 once shutdown() has resolved.
   */
  sockets: { opened: number; open: number; evicted: number };
  /** Name server lookups started. */
  routeLookups: number;
  isolationProbes: number;
  isolationsLifted: number;
  /** Async sends, lookups, heartbeats and shared-state writes not settled yet. */
  pending: number;
  /** Present with message trace on: records sent, failed (their trace message was not confirmed), dropped, waiting. */
  trace?: { recordsSent: number; recordsFailed: number; recordsDropped: number; buffered: number };
  /** Present with shared state. */
  sharedState?: {
    degraded: boolean;
    reads: number;
    writes: number;
    lostRaces: number;
    errors: number;
    degradedEpisodes: number;
    abandoned: number;
    isolationsLearned: number;
    isolationsSeen: number;
    recoveriesWritten: number;
    routesLoaded: number;
    routesWritten: number;
  };
}

/**
 * A RocketMQ producer with the send path of the Java DefaultMQProducer.
 *
 * @example
 * const producer = createProducer({ nameServers: '127.0.0.1:9876', producerGroup: 'orders' });
 * await producer.start();
 * const result = await producer.send({ topic: 'Orders', body: 'created', keys: ['order-42'] });
 * await producer.shutdown();
 */
export interface Producer {
  readonly state: ProducerState;
  readonly clientId: string;
  /** CREATE_JUST -> RUNNING; only a CREATE_JUST producer can start. */
  start(options?: StartOptions): Promise<void>;
  /** Settles what is pending, unregisters from the brokers used, closes the sockets. */
  shutdown(): Promise<void>;
  /**
   * Resolves when every async send and background task started so far has settled (see
   * `deadline`): those of `scope` when given (one invocation among several sharing the producer).
   */
  flush(deadline?: number, scope?: WorkScope): Promise<void>;
  /** Sync send: 1 + retryTimesWhenSendFailed attempts within one timeout budget. */
  send(message: Message, options?: SendOptions): Promise<SendResult>;
  /** Async send: retried only on transport failure; flush() waits for it. */
  sendAsync(message: Message, options?: SendOptions): Promise<SendResult>;
  /** Oneway: one attempt, resolved once the bytes are written; no result exists. */
  sendOneway(message: Message, options?: SendOptions): Promise<void>;
  /** One result per message, in order; split into several requests when over the size limit. */
  sendBatch(messages: Message[], options?: SendOptions): Promise<SendResult[]>;
  /** Every message accounted for: stored or failed, a bad one failing alone, before anything is sent. */
  sendBatchSettled(messages: Message[], options?: SettledBatchOptions): Promise<BatchOutcome[]>;
  /** Sends a half message (TRAN_MSG): stored, but kept from consumers until it is committed. */
  sendHalf(message: Message, options?: SendOptions): Promise<HalfMessage>;
  /** Commits or rolls back a half message, from any process of the group; resolves on the broker's answer. */
  endTransaction(half: HalfMessage, decision: TransactionDecision, options?: { fromCheck?: boolean; deadline?: number }): Promise<void>;
  /**
   * sendMessageInTransaction: the half message, then `execute` (the local transaction), then its
   * decision sent to the broker. A throwing or UNKNOWN local transaction leaves the half message
   * pending.
   */
  sendInTransaction(message: Message, execute: LocalTransaction, options?: SendOptions): Promise<TransactionOutcome>;
  /**
   * 5.3.2+: takes back a timer message (deliverAt, delaySeconds, delayMs) before it is due, by the
   * `recallHandle` of its SendResult; the broker must have recallMessageEnable=true. Refused before
   * sending for a malformed handle, one of another topic (INVALID_ARGUMENT) or one already due
   * (RECALL_EXPIRED); RECALL_DISABLED and UNSUPPORTED_BY_BROKER when the cluster cannot.
   */
  recall(topic: string, recallHandle: string, options?: RecallOptions): Promise<RecallResult>;
  /**
   * Whether a message with this UNIQ_KEY (its msgId) is stored in `topic`, asked of every master
   * of the topic's route: its SendResult when it is; `known: false` when a broker did not answer.
   * What to ask before sending again a message whose first outcome is unknown; the brokers' index
   * lags their store by a few ms.
   */
  lookupStored(topic: string, uniqKey: string, deadline?: number): Promise<StoredLookup>;
  /** Maintenance: whether a committed copy of the half message is in its topic (a resolver's check). */
  isDelivered(half: HalfMessage, deadline?: number): Promise<boolean>;
  /** Replaces sockets idle too long and re-reads shared state when due (before an invocation). */
  freshen(deadline?: number): Promise<void>;
  /** Maintenance: the route of `topic` as the name servers give it now (not the cache); null if none. */
  lookupRoute(topic: string, deadline?: number): Promise<TopicRouteData | null>;
  /** Maintenance: fetch again the routes of `topics` and of every topic the shared state holds. */
  refreshRoutes(topics: string[], deadline?: number): Promise<RefreshOutcome>;
  /** Maintenance: probe every isolated broker of the cached routes now; re-admit those that answer. */
  probeIsolated(deadline?: number): Promise<ProbeOutcome>;
  stats(): ProducerStats;
}
