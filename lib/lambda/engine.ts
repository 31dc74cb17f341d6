// The Lambda adapter's engine. Module scope (warm, shared by invocations of one container): the
// configuration, the producer and its sockets, the logger and metrics. Per invocation: the
// deadline, the request id, the counters to publish — in the Invocation object, never at module
// scope. Before the handler: stale sockets replaced, shared state refreshed when due. After it,
// also on error: every async send and state write flushed, metrics published; nothing left running.
import { Logger } from '@aws-lambda-powertools/logger';
import type { LogLevel } from '@aws-lambda-powertools/logger/types';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import type { Message } from '../message/message.ts';
import type { BatchOutcome, ProbeOutcome, Producer, ProducerStats, RefreshOutcome, SendOptions, SettledBatchOptions, StartOptions } from '../producer/api.ts';
import { createProducer } from '../producer/producer.ts';
import type { SendResult } from '../producer/send-result.ts';
import type { Transactions } from '../transactions/transactions.ts';
import { producerOptions, readConfig, withSecrets, type AdapterConfig } from './config.ts';

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
  /** Producer counters when the invocation began, for per-invocation metrics. */
  startCounters: Record<string, number>;
  send(message: Message, options?: SendOptions): Promise<SendResult>;
  sendAsync(message: Message, options?: SendOptions): Promise<SendResult>;
  sendOneway(message: Message, options?: SendOptions): Promise<void>;
  sendBatch(messages: Message[], options?: SendOptions): Promise<SendResult[]>;
  sendBatchSettled(messages: Message[], options?: SettledBatchOptions): Promise<BatchOutcome[]>;
  refreshRoutes(topics: string[]): Promise<RefreshOutcome>;
  probeIsolated(): Promise<ProbeOutcome>;
  /** Transactions through the ledger in the state table; undefined without STATE_TABLE. */
  transactions: Transactions | undefined;
}

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

  constructor(options: EngineOptions = {}) {
    this.env = options.env ?? process.env;
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
      const producer = createProducer({
        ...producerOptions(config),
        logger: (entry) => this.logger.warn(String(entry.message ?? 'producer'), entry),
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

  async before(context: Pick<Context, 'awsRequestId' | 'getRemainingTimeInMillis'>): Promise<Invocation> {
    const config = this.configuration();
    const coldStart = this.coldStart;
    this.coldStart = false;
    this.logger.addContext(context as Context);
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
      startCounters: counters(producer.stats()),
      send: (message, options) => timed(producer.send(message, bounded(options))),
      sendAsync: (message, options) => timed(producer.sendAsync(message, bounded(options))),
      sendOneway: (message, options) => timed(producer.sendOneway(message, bounded(options))),
      sendBatch: (messages, options) => timed(producer.sendBatch(messages, bounded(options))),
      sendBatchSettled: (messages, options) => timed(producer.sendBatchSettled(messages, bounded(options))),
      refreshRoutes: (topics) => producer.refreshRoutes(topics, deadline),
      probeIsolated: () => producer.probeIsolated(deadline),
      transactions: this.transactions,
    };
  }

  /** Flushes what the invocation started and publishes its metrics; safe to call on error paths. */
  async after(invocation: Invocation | undefined): Promise<void> {
    if (!invocation) return;
    await invocation.producer.flush(invocation.deadline);
    const now = counters(invocation.producer.stats());
    let added = invocation.coldStart || this.metrics.hasStoredMetrics() ? 1 : 0;
    for (const [name, value] of Object.entries(now)) {
      const delta = value - (invocation.startCounters[name] ?? 0);
      if (delta > 0) {
        this.metrics.addMetric(name, MetricUnit.Count, delta);
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
  async prepare(topics: string[], budgetMs = 3000): Promise<void> {
    try {
      this.configuration();
      const deadline = Date.now() + budgetMs;
      await this.warmProducer(deadline, { warmTopics: topics, connect: true });
    } catch (err) {
      this.logger.warn('init phase: producer not prepared, the first invocation will try again', err as Error);
    }
  }

  /** For tests and local servers: close the producer so the process can exit. */
  async close(): Promise<void> {
    await this.warm?.shutdown();
    this.warm = undefined;
  }
}

/** The shared state and the transaction ledger, with the AWS SDK they bring, loaded on first need. */
async function loadDynamoDb() {
  const [{ DynamoDbSharedState }, { DynamoDbTransactionLedger }, { Transactions }] = await Promise.all([
    import('../state/dynamodb-state.ts'),
    import('../state/transaction-ledger.ts'),
    import('../transactions/transactions.ts'),
  ]);
  return { DynamoDbSharedState, DynamoDbTransactionLedger, Transactions };
}

function counters(stats: ProducerStats): Record<string, number> {
  const shared = stats.sharedState;
  return {
    Sends: stats.sends,
    SendAttempts: stats.attempts,
    SendRetries: stats.retries,
    SendFailures: stats.failures,
    StaleReconnects: stats.staleReconnects,
    IsolationProbes: stats.isolationProbes,
    IsolationsLifted: stats.isolationsLifted,
    ...(stats.trace ? { TraceRecordsSent: stats.trace.recordsSent, TraceRecordsFailed: stats.trace.recordsFailed + stats.trace.recordsDropped } : {}),
    ...(shared
      ? {
          StateReads: shared.reads,
          StateWrites: shared.writes,
          StateErrors: shared.errors,
          StateLostRaces: shared.lostRaces,
          IsolationsLearned: shared.isolationsLearned,
          IsolationsSeen: shared.isolationsSeen,
        }
      : {}),
  };
}
