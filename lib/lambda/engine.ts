// The Lambda adapter's engine. Module scope (warm, shared by invocations of one container): the
// configuration, the producer and its sockets, the logger and metrics. Per invocation: the
// deadline, the request id, the counters to publish — in the Invocation object, never at module
// scope. Before the handler: stale sockets replaced, shared state refreshed when due. After it,
// also on error: every async send and state write flushed, metrics published; nothing left running.
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import type { Message } from '../message/message.ts';
import { createProducer, type Producer, type SendOptions } from '../producer/producer.ts';
import type { SendResult } from '../producer/send-result.ts';
import { DynamoDbSharedState } from '../state/dynamodb-state.ts';
import { producerOptions, readConfig, type AdapterConfig } from './config.ts';

export interface Invocation {
  producer: Producer;
  /** The container's configuration, read once. */
  config: AdapterConfig;
  /** Epoch ms every send of this invocation must finish by. */
  deadline: number;
  requestId: string;
  logger: Logger;
  metrics: Metrics;
  coldStart: boolean;
  /** Producer and shared-state counters when the invocation began, for per-invocation metrics. */
  startCounters: Record<string, number>;
  send(message: Message, options?: SendOptions): Promise<SendResult>;
  sendBatch(messages: Message[], options?: SendOptions): Promise<SendResult[]>;
}

export interface EngineOptions {
  env?: NodeJS.ProcessEnv;
  serviceName?: string;
}

export class Engine {
  readonly logger: Logger;
  readonly metrics: Metrics;
  private config: AdapterConfig | undefined;
  private producer: Producer | undefined;
  private starting: Promise<Producer> | undefined;
  private coldStart = true;
  private readonly env: NodeJS.ProcessEnv;

  constructor(options: EngineOptions = {}) {
    this.env = options.env ?? process.env;
    const serviceName = options.serviceName ?? this.env.POWERTOOLS_SERVICE_NAME ?? 'rocketmq-lambda';
    this.logger = new Logger({ serviceName });
    this.metrics = new Metrics({ namespace: this.env.POWERTOOLS_METRICS_NAMESPACE ?? 'RocketMQLambda', serviceName });
  }

  /** Read once per container; a bad variable throws a ConfigError naming it. */
  configuration(): AdapterConfig {
    this.config ??= readConfig(this.env);
    return this.config;
  }

  private async warmProducer(deadline: number): Promise<Producer> {
    if (this.producer) return this.producer;
    this.starting ??= (async () => {
      const config = this.configuration();
      const producer = createProducer({
        ...producerOptions(config),
        logger: (entry) => this.logger.warn(String(entry.message ?? 'producer'), entry),
        ...(config.stateTable ? { sharedState: new DynamoDbSharedState({ tableName: config.stateTable, scope: config.stateScope }) } : {}),
      });
      await producer.start({ deadline });
      this.producer = producer;
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
    producer.remoting.closeStale();
    await producer.sync?.refreshIfDue(before);
    if (coldStart) this.metrics.addMetric('ColdStart', MetricUnit.Count, 1);
    this.metrics.addMetadata('requestId', context.awsRequestId);
    const withDeadline = (options: SendOptions = {}): SendOptions => ({ ...options, deadline: Math.min(options.deadline ?? deadline, deadline) });
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
      startCounters: counters(producer),
      send: (message, options) => timed(producer.send(message, withDeadline(options))),
      sendBatch: (messages, options) => timed(producer.sendBatch(messages, withDeadline(options))),
    };
  }

  /** Flushes what the invocation started and publishes its metrics; safe to call on error paths. */
  async after(invocation: Invocation | undefined): Promise<void> {
    if (!invocation) return;
    await invocation.producer.flush(invocation.deadline);
    const now = counters(invocation.producer);
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

  /** For tests and local servers: close the producer so the process can exit. */
  async close(): Promise<void> {
    await this.producer?.shutdown();
    this.producer = undefined;
  }
}

function counters(producer: Producer): Record<string, number> {
  const { stats } = producer;
  const sync = producer.sync?.counters;
  return {
    Sends: stats.sends,
    SendAttempts: stats.attempts,
    SendRetries: stats.retries,
    SendFailures: stats.failures,
    StaleReconnects: stats.staleReconnects,
    IsolationProbes: producer.probeCounters.probes,
    IsolationsLifted: producer.probeCounters.lifted,
    ...(sync
      ? {
          StateReads: sync.reads,
          StateWrites: sync.writes,
          StateErrors: sync.errors,
          StateLostRaces: sync.lostRaces,
          IsolationsLearned: sync.isolationsLearned,
          IsolationsSeen: sync.isolationsSeen,
        }
      : {}),
  };
}
