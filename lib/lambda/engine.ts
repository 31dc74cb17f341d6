// The Lambda adapter's engine. Module scope (warm, shared by the invocations of one execution
// environment, or of one worker thread on Lambda Managed Instances, where up to 64 run at once):
// the configuration, the producer and its sockets, the logger and metrics. Per invocation: the
// deadline, the request id, what it started and what it counted: its WorkScope, kept in the
// runtime's invoke store (@aws/lambda-invoke-store) where the producer finds it, never at module
// scope. Before the handler: stale sockets replaced, shared state refreshed when due. After it,
// also on error: what this invocation started flushed, its own metrics published; nothing it
// started left running, and nothing another invocation started waited for.
import { Logger } from '@aws-lambda-powertools/logger';
import type { LogLevel } from '@aws-lambda-powertools/logger/types';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { InvokeStore, InvokeStoreBase } from '@aws/lambda-invoke-store';
import type { Context } from 'aws-lambda';
import type { Message } from '../message/message.ts';
import type { BatchOutcome, ProbeOutcome, Producer, RefreshOutcome, SendOptions, SettledBatchOptions, StartOptions } from '../producer/api.ts';
import { createProducer } from '../producer/producer.ts';
import { WorkScope, type ScopeCounter } from '../producer/scope.ts';
import type { StoredLookup } from '../producer/lookup.ts';
import type { RecallResult } from '../producer/recall.ts';
import type { SendResult } from '../producer/send-result.ts';
import type { Transactions } from '../transactions/transactions.ts';
import { producerOptions, readConfig, withSecrets, type AdapterConfig } from './config.ts';
import { invocationXrayHeader } from './trace-context.ts';

/**
 * One invocation's view of the warm producer: every verb carries the invocation's deadline (the
 * Lambda's remaining time less DEADLINE_MARGIN_MS) and records its latency, once, here.
 */
export interface Invocation {
  /** The warm producer itself, for what the verbs below do not cover; pass `deadline` yourself. */
  producer: Producer;
  /** The container's configuration, read once. */
  config: AdapterConfig;
  /** Epoch ms every send of this invocation must finish by. */
  deadline: number;
  requestId: string;
  logger: Logger;
  metrics: Metrics;
  coldStart: boolean;
  /** What this invocation started and counted; `producer.flush(deadline, scope)` settles it. */
  scope: WorkScope;
  /** This invocation's X-Ray trace header, when active tracing gave it one. */
  xrayTraceHeader: string | undefined;
  send(message: Message, options?: SendOptions): Promise<SendResult>;
  sendAsync(message: Message, options?: SendOptions): Promise<SendResult>;
  sendOneway(message: Message, options?: SendOptions): Promise<void>;
  sendBatch(messages: Message[], options?: SendOptions): Promise<SendResult[]>;
  sendBatchSettled(messages: Message[], options?: SettledBatchOptions): Promise<BatchOutcome[]>;
  /** Whether a message with this UNIQ_KEY is stored in `topic` (every master not isolated asked), within a third of the time left. */
  lookupStored(topic: string, uniqKey: string): Promise<StoredLookup>;
  /** Takes back a timer message before it is due (5.3.2+, recallMessageEnable=true), within this invocation's time. */
  recall(topic: string, recallHandle: string): Promise<RecallResult>;
  refreshRoutes(topics: string[]): Promise<RefreshOutcome>;
  probeIsolated(): Promise<ProbeOutcome>;
  /** Transactions through the ledger in the state table; undefined without STATE_TABLE. */
  transactions: Transactions | undefined;
}

/**
 * The init phase's warm-up invocation (WARM_UP_TOPIC): runs the function's own handler once on an
 * event that publishes `message`, with a context of its own; prepareInInit passes it on.
 */
export type WarmUp = (
  message: Message & { topic: string; body: string; tags: string; properties: Record<string, string> },
  context: Pick<Context, 'awsRequestId' | 'getRemainingTimeInMillis'>,
  /** The engine warming up: the handler is to run on it (`withProducer(fn, engine)`). */
  engine: Engine,
) => Promise<unknown>;

const WARM_UP_BODY = 'warm-up';

export interface EngineOptions {
  env?: NodeJS.ProcessEnv;
  serviceName?: string;
}

export class Engine {
  readonly logger: Logger;
  readonly metrics: Metrics;
  private config: AdapterConfig | undefined;
  private warm: Producer | undefined;
  private transactions: Transactions | undefined;
  private starting: Promise<Producer> | undefined;
  private coldStart = true;
  private readonly env: NodeJS.ProcessEnv;
  /** The runtime's per-invocation store: the runtime's own instance inside Lambda, else the package's. */
  private store: InvokeStoreBase | undefined;
  /**
   * Whether invocations may overlap (Lambda Managed Instances set AWS_LAMBDA_MAX_CONCURRENCY): then
   * each flushes only what it started. One at a time, an invocation flushes everything, as the
   * producer has always done there.
   */
  readonly concurrent: boolean;

  constructor(options: EngineOptions = {}) {
    this.env = options.env ?? process.env;
    this.concurrent = this.env.AWS_LAMBDA_MAX_CONCURRENCY !== undefined;
    const serviceName = options.serviceName ?? this.env.POWERTOOLS_SERVICE_NAME ?? 'rocketmq-lambda';
    // From the engine's variables, not only the process's: an engine given its own env logs as it says.
    const logLevel = this.env.POWERTOOLS_LOG_LEVEL || this.env.LOG_LEVEL;
    this.logger = new Logger({ serviceName, ...(logLevel ? { logLevel: logLevel as LogLevel } : {}) });
    this.metrics = new Metrics({ namespace: this.env.POWERTOOLS_METRICS_NAMESPACE ?? 'RocketMQLambda', serviceName });
  }

  /** The container's warm producer, once the first invocation has started it. */
  get producer(): Producer | undefined {
    return this.warm;
  }

  /** Read once per container; a bad variable throws a ConfigError naming it. */
  configuration(): AdapterConfig {
    this.config ??= readConfig(this.env);
    return this.config;
  }

  private async warmProducer(deadline: number, start: Omit<StartOptions, 'deadline'> = {}): Promise<Producer> {
    if (this.warm) return this.warm;
    this.starting ??= (async () => {
      // Secrets named by reference (SSM, Secrets Manager) are read here, once per container.
      const config = await withSecrets(this.configuration());
      // The AWS SDK's DynamoDB client is most of the code a cold start would load: only a
      // deployment with a state table loads it, here, in the init phase when prepareInInit runs.
      const dynamodb = config.stateTable ? await loadDynamoDb() : undefined;
      const store = this.store ?? (await this.invokeStore());
      const producer = createProducer({
        ...producerOptions(config),
        logger: (entry) => this.logger.warn(String(entry.message ?? 'producer'), entry),
        scope: () => store.get<WorkScope>(SCOPE_KEY),
        ...(dynamodb && config.stateTable ? { sharedState: new dynamodb.DynamoDbSharedState({ tableName: config.stateTable, scope: config.stateScope }) } : {}),
      });
      await producer.start({ ...start, deadline });
      if (dynamodb && config.stateTable) {
        const ledger = new dynamodb.DynamoDbTransactionLedger({ tableName: config.stateTable, scope: config.stateScope });
        this.transactions = new dynamodb.Transactions(producer, ledger, { onTimeout: config.transactionOnTimeout });
      }
      this.warm = producer;
      return producer;
    })().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  /** The store, made once; a warm invocation finds it without an await. */
  private invokeStore(): InvokeStoreBase | Promise<InvokeStoreBase> {
    return this.store ?? InvokeStore.getInstanceAsync(this.concurrent).then((store) => (this.store = store));
  }

  /**
   * Runs `work` inside an invocation context of the invoke store. The runtime opens one per
   * invocation; a handler called outside a runtime (tests, tools, a local server) gets one here,
   * with the request id the runtime would give it, so its scope is its own there too.
   */
  async inContext<T>(context: Pick<Context, 'awsRequestId'>, work: () => Promise<T>): Promise<T> {
    const store = this.store ?? (await this.invokeStore());
    if (store.hasContext()) return work();
    return store.run({ [InvokeStoreBase.PROTECTED_KEYS.REQUEST_ID]: context.awsRequestId }, work);
  }

  async before(context: Pick<Context, 'awsRequestId' | 'getRemainingTimeInMillis'>): Promise<Invocation> {
    const config = this.configuration();
    const coldStart = this.coldStart && !this.warmingUp;
    if (!this.warmingUp) this.coldStart = false;
    // First of all: whatever this invocation starts from here on, the cold load included, is its own.
    const scope = new WorkScope();
    const store = this.store ?? (await this.invokeStore());
    if (store.hasContext()) store.set(SCOPE_KEY, scope);
    // Else a middleware called outside any runtime context: the work goes unscoped, which every
    // invocation's flush also waits for (correct, only not isolated).
    // The warm-up is not the cold start for the logs either: addContext takes Powertools' cold_start flag.
    if (!this.warmingUp) this.logger.addContext(context as Context);
    const deadline = Date.now() + context.getRemainingTimeInMillis() - config.deadlineMarginMs;
    // Work before the handler (the cold load, a due re-read of shared state) may take half of the
    // time to the deadline; the store is given up then and the sends go on with local state.
    const before = Date.now() + Math.max(0, deadline - Date.now()) / 2;
    const producer = await this.warmProducer(before);
    await producer.freshen(before);
    if (coldStart) this.metrics.addMetric('ColdStart', MetricUnit.Count, 1);
    this.metrics.addMetadata('requestId', context.awsRequestId);
    const bounded = <T extends SendOptions>(options?: T): T => ({ ...options, deadline: Math.min(options?.deadline ?? deadline, deadline) }) as T;
    const timed = async <T>(work: Promise<T>): Promise<T> => {
      const started = Date.now();
      try {
        return await work;
      } finally {
        this.metrics.addMetric('SendLatency', MetricUnit.Milliseconds, Date.now() - started);
      }
    };
    return {
      producer,
      config,
      deadline,
      requestId: context.awsRequestId,
      logger: this.logger,
      metrics: this.metrics,
      coldStart,
      scope,
      xrayTraceHeader: invocationXrayHeader(this.env),
      send: (message, options) => timed(producer.send(message, bounded(options))),
      sendAsync: (message, options) => timed(producer.sendAsync(message, bounded(options))),
      sendOneway: (message, options) => timed(producer.sendOneway(message, bounded(options))),
      sendBatch: (messages, options) => timed(producer.sendBatch(messages, bounded(options))),
      sendBatchSettled: (messages, options) => timed(producer.sendBatchSettled(messages, bounded(options))),
      recall: (topic, handle) => producer.recall(topic, handle, { deadline }),
      // A third of the time left at most: the send it decides about must keep the rest.
      lookupStored: (topic, uniqKey) => producer.lookupStored(topic, uniqKey, Date.now() + (deadline - Date.now()) / 3),
      refreshRoutes: (topics) => producer.refreshRoutes(topics, deadline),
      probeIsolated: () => producer.probeIsolated(deadline),
      transactions: this.transactions,
    };
  }

  /**
   * Flushes what this invocation started (not what others sharing the producer did) and publishes
   * its own counts; safe to call on error paths.
   */
  async after(invocation: Invocation | undefined): Promise<void> {
    if (!invocation) return;
    try {
      await invocation.producer.flush(invocation.deadline, this.concurrent ? invocation.scope : undefined);
    } finally {
      invocation.scope.end();
    }
    if (this.warmingUp) {
      this.metrics.clearMetrics();
      return;
    }
    const { counts } = invocation.scope;
    let added = invocation.coldStart || this.metrics.hasStoredMetrics() ? 1 : 0;
    for (const [name, counters] of Object.entries(METRICS)) {
      const value = counters.reduce((sum, counter) => sum + counts[counter], 0);
      if (value > 0) {
        this.metrics.addMetric(name, MetricUnit.Count, value);
        added += 1;
      }
    }
    if (added > 0) this.metrics.publishStoredMetrics();
  }

  /**
   * Lambda's init phase (two full vCPUs, before the first event): read the configuration, start the
   * producer (secrets, shared state), fetch the routes of `topics` and connect to their brokers, all
   * within `budgetMs`. Never throws: what fails here is done again, and reported, by the first
   * invocation.
   */
  async prepare(topics: string[], budgetMs = 3000, warmUp?: WarmUp): Promise<void> {
    try {
      const config = this.configuration();
      const deadline = Date.now() + budgetMs;
      const topic = config.warmUpTopic;
      // The warm-up topic is not among the routes warmed: a wrong one must cost the warm-up only, not the start.
      const producer = await this.warmProducer(deadline, { warmTopics: topics, connect: true });
      if (topic) {
        await this.warmUpSend(producer, topic, deadline, warmUp);
        collectYoungGeneration();
      }
    } catch (err) {
      this.logger.warn('init phase: producer not prepared, the first invocation will try again', err as Error);
    }
  }

  /** True while the init phase's warm-up invocation runs: it is no cold start and publishes no metrics. */
  private warmingUp = false;

  /**
   * One real send in the init phase (WARM_UP_TOPIC), so that what only a real send runs (the
   * handler, the adapter, the send loop, the socket write, the response's dispatch) is compiled
   * before the first event. With `warmUp` it is a whole invocation of the function's own handler;
   * without, a send of the producer. The message is marked (tag and property "warm-up") for
   * consumers to skip; it costs one message per cold start. A failure is only logged: the first
   * event runs as it would have.
   */
  private async warmUpSend(producer: Producer, topic: string, deadline: number, warmUp: WarmUp | undefined): Promise<void> {
    const message = { topic, body: WARM_UP_BODY, tags: 'warm-up', properties: { 'warm-up': 'true' } };
    this.warmingUp = true;
    try {
      if (warmUp) {
        await warmUp(message, { awsRequestId: 'warm-up', getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()) }, this);
      } else {
        await producer.send(message, { deadline });
        // What the send left (a trace record) goes now, not in the first invocation's flush and counts.
        await producer.flush(deadline);
      }
    } catch (err) {
      this.logger.warn('init phase: the warm-up send failed', err as Error);
    } finally {
      this.warmingUp = false;
    }
  }

  /** For tests and local servers: close the producer so the process can exit. */
  async close(): Promise<void> {
    await this.warm?.shutdown();
    this.warm = undefined;
  }
}

/**
 * A minor collection where the runtime exposes gc (Lambda's Node bootstrap passes --expose-gc), at
 * the end of the warm-up (also one that failed or was refused: it allocated too): on Node 22 V8
 * otherwise collects what the warm-up allocated in a task of its own, which lands in the first
 * event (its send took 1.8 ms against 0.9 with this).
 */
function collectYoungGeneration(): void {
  try {
    (globalThis as { gc?: (options: { type: 'minor' }) => void }).gc?.({ type: 'minor' });
  } catch {
    // A gc of another shape: the first event collects as it would have; the producer is ready.
  }
}

/** The shared state and the transaction ledger, with the AWS SDK they bring, loaded on first need. */
async function loadDynamoDb() {
  const [{ DynamoDbSharedState }, { DynamoDbTransactionLedger }, { Transactions }] = await Promise.all([
    import('../state/dynamodb-state.ts'),
    import('../transactions/ledger.ts'),
    import('../transactions/transactions.ts'),
  ]);
  return { DynamoDbSharedState, DynamoDbTransactionLedger, Transactions };
}

/** The invocation's metrics, each the sum of its scope's counters named. */
const METRICS: Record<string, readonly ScopeCounter[]> = {
  Sends: ['sends'],
  SendAttempts: ['attempts'],
  SendRetries: ['retries'],
  SendFailures: ['failures'],
  StaleReconnects: ['staleReconnects'],
  IsolationProbes: ['isolationProbes'],
  IsolationsLifted: ['isolationsLifted'],
  TraceRecordsSent: ['traceRecordsSent'],
  TraceRecordsFailed: ['traceRecordsFailed', 'traceRecordsDropped'],
  StateReads: ['stateReads'],
  StateWrites: ['stateWrites'],
  StateErrors: ['stateErrors'],
  StateLostRaces: ['stateLostRaces'],
  IsolationsLearned: ['isolationsLearned'],
  IsolationsSeen: ['isolationsSeen'],
};

/** Where an invocation's scope is kept in the invoke store. */
const SCOPE_KEY = Symbol.for('rocketmq-lambda.scope');
