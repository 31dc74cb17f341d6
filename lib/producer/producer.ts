// The producer: DefaultMQProducerImpl's send path (sendDefaultImpl, sendKernelImpl,
// processSendResponse, the async retries of onExceptionImpl) over our remoting layer.
import { buildClientId } from '../client/client-id.ts';
import { sendHeartbeats, unregisterClient } from '../client/heartbeat.ts';
import { BrokerError, ConnectionError, ERROR_TABLE, RocketMQError, SendError, errorSpec, rocketError, type ErrorSpec } from '../errors.ts';
import { checkMessage, type Message } from '../message/message.ts';
import { UniqIdGenerator } from '../message/uniq-id.ts';
import { decodeSendResponse, parseSendResponse, sendRequest, SendStatus } from '../protocol/send.ts';
import type { RequestCommand } from '../remoting/command.ts';
import { RemotingClient } from '../remoting/remoting-client.ts';
import { StateSync } from '../state/state-sync.ts';
import { NameServerClient } from '../route/name-server.ts';
import type { MessageQueue, TopicPublishInfo } from '../route/publish-info.ts';
import { RouteCache } from '../route/route-cache.ts';
import { batchReference, groupBatches, prepareBatches, prepareBatchItem, splitBatchResult, type BatchItem, type PreparedBatch } from './batch-send.ts';
import { MemoryFaultStore } from '../state/fault-store.ts';
import { LatencyFaultTolerance } from './fault-tolerance.ts';
import { IsolationProbe } from './isolation-probe.ts';
import type { SendContext, SendMode } from './hooks.ts';
import { resolveOptions, type ProducerOptions, type ResolvedOptions } from './options.ts';
import { prepareMessage, unwrapNamespace, wrapNamespace, type PreparedMessage, type PrepareSettings } from './prepare.ts';
import { QueueSelector, selectByShardingKey } from './queue-selector.ts';
import type { SendResult } from './send-result.ts';

export interface BatchOutcome {
  result?: SendResult;
  error?: RocketMQError;
}

/** What a settled batch reports for a message: a RocketMQError, whatever was thrown. */
function asRocketError(err: unknown): RocketMQError {
  return err instanceof RocketMQError ? err : rocketError('SYSTEM_ERROR', `unexpected: ${(err as Error)?.message ?? String(err)}`, {}, err);
}

/** A message not sent because one before it (in an ordered batch) failed. */
function skipped(cause: unknown): RocketMQError {
  return rocketError('NOT_SENT', undefined, {}, cause);
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

type Prepared = PreparedMessage | PreparedBatch;

export class Producer {
  private stateValue: ProducerState = 'CREATE_JUST';
  readonly options: ResolvedOptions;
  readonly clientId: string;
  readonly remoting: RemotingClient;
  readonly routes: RouteCache;
  /** Null when sendLatencyFaultEnable is off. */
  readonly faults: LatencyFaultTolerance | null;
  private readonly selector: QueueSelector;
  /** Null without fault tolerance or with probing off. */
  private readonly probe: IsolationProbe | null;
  /** Null without shared state. */
  readonly sync: StateSync | null;
  private readonly uniqIds = new UniqIdGenerator();
  private readonly pending = new Set<Promise<unknown>>();
  private readonly heartbeatAt = new Map<string, number>();
  readonly stats = { sends: 0, attempts: 0, retries: 0, failures: 0, heartbeatFailures: 0, staleReconnects: 0 };

  constructor(options: ProducerOptions) {
    this.options = resolveOptions(options);
    const o = this.options;
    this.clientId = buildClientId(o.instanceName, o.unitName);
    this.remoting = new RemotingClient({
      connectTimeoutMs: o.connectTimeoutMs,
      maxInFlightPerConnection: o.maxInFlightPerConnection,
      idleLimitMs: o.idleConnectionLimitMs,
      ...(o.credentials ? { credentials: o.credentials } : {}),
    });
    const localFaults = o.faultStore ?? new MemoryFaultStore();
    this.sync = o.sharedState
      ? new StateSync(o.sharedState, localFaults, {
          refreshIntervalMs: o.sharedStateRefreshInterval,
          routeMaxAgeMs: o.sharedRouteMaxAge,
          log: o.logger,
          track: (work) => void this.track(work),
        })
      : null;
    this.routes = new RouteCache(new NameServerClient(this.remoting, o.nameServers, o.mqClientApiTimeout), {
      defaultTopic: o.createTopicKey,
      defaultTopicQueueNums: o.defaultTopicQueueNums,
      refreshIntervalMs: o.pollNameServerInterval,
      ...(this.sync ? { onFetched: (topic, route, at) => this.sync!.onRouteFetched(topic, route, at) } : {}),
      track: (work) => void this.track(work),
    });
    this.faults = o.sendLatencyFaultEnable ? new LatencyFaultTolerance(this.sync ? this.sync.faultStore() : localFaults, o.faultTables) : null;
    this.selector = new QueueSelector(this.faults);
    this.probe =
      this.faults && o.isolationProbeInterval > 0
        ? new IsolationProbe(this.faults, {
            intervalMs: o.isolationProbeInterval,
            timeoutMs: o.isolationProbeTimeout,
            ping: async (address, timeoutMs) => {
              const [ack] = await sendHeartbeats(this.remoting, [address], this.clientId, [o.producerGroup], timeoutMs);
              if (!ack?.ok) throw ack?.error ?? new Error('no answer');
            },
            ...(this.sync ? { claim: (broker: string, deadline: number) => this.sync!.claimProbe(broker, o.isolationProbeInterval, deadline) } : {}),
          })
        : null;
  }

  /**
   * Maintenance (the scheduled refresh): fetches again the routes of `topics` and of every topic
   * the shared state holds (only changed or aging routes are written back), after re-reading the
   * shared isolations. Lookups and writes end by `deadline`.
   */
  async refreshRoutes(topics: string[], deadline?: number): Promise<{ topics: number; routesWritten: number; failures: { topic: string; error: RocketMQError }[] }> {
    this.ensureRunning();
    const stored = (await this.sync?.reload(deadline)) ?? [];
    const all = new Set([...topics.map((t) => wrapNamespace(this.options.namespace, t)), ...stored]);
    const writtenBefore = this.sync?.counters.routesWritten ?? 0;
    const failures: { topic: string; error: RocketMQError }[] = [];
    for (const topic of all) {
      await this.routes.refresh(topic, { deadline }).catch((err: unknown) => failures.push({ topic, error: asRocketError(err) }));
    }
    await this.flush(deadline);
    return { topics: all.size, routesWritten: (this.sync?.counters.routesWritten ?? 0) - writtenBefore, failures };
  }

  /**
   * Probes every isolated broker of the cached routes now (the scheduled refresh's verb), and
   * re-admits those that answer. Resolves to how many were probed and lifted.
   */
  async probeIsolated(deadline?: number): Promise<{ probed: number; lifted: number }> {
    if (!this.probe || !this.faults) return { probed: 0, lifted: 0 };
    const isolated = [...this.routes.brokerAddresses()].filter(([broker]) => !this.faults!.isAvailable(broker));
    const lifted = await Promise.all(isolated.map(([broker, address]) => this.probe!.probe(broker, address, deadline)));
    await this.flush(deadline); // the recoveries written for the fleet
    return { probed: isolated.length, lifted: lifted.filter(Boolean).length };
  }

  /** Probes run and isolations they lifted, for metrics. */
  get probeCounters(): { probes: number; lifted: number } {
    return { ...(this.probe?.counters ?? { probes: 0, lifted: 0 }) };
  }

  get state(): ProducerState {
    return this.stateValue;
  }

  /**
   * CREATE_JUST -> RUNNING. `warmTopics` fetches their routes now (a Lambda's init phase), and a
   * failure there leaves the producer START_FAILED. Only a CREATE_JUST producer can start.
   */
  async start(options: { warmTopics?: string[]; deadline?: number } = {}): Promise<void> {
    if (this.stateValue !== 'CREATE_JUST') {
      throw rocketError('INVALID_ARGUMENT', `The producer service state is ${this.stateValue}, it may have been started before`);
    }
    try {
      // Shared state first: its routes spare the name server, its isolations apply from the first send.
      await this.sync?.load(this.routes, options.deadline);
      await Promise.all((options.warmTopics ?? []).map((topic) => this.routes.publishInfo(wrapNamespace(this.options.namespace, topic))));
    } catch (err) {
      this.stateValue = 'START_FAILED';
      this.remoting.shutdown();
      throw err;
    }
    this.stateValue = 'RUNNING';
  }

  /** Settles every async send and heartbeat, unregisters from the brokers used, closes sockets. */
  async shutdown(): Promise<void> {
    if (this.stateValue !== 'RUNNING') {
      this.stateValue = 'SHUTDOWN_ALREADY';
      this.remoting.shutdown();
      return;
    }
    await this.flush();
    this.stateValue = 'SHUTDOWN_ALREADY';
    await unregisterClient(this.remoting, this.heartbeatAt.keys(), this.clientId, this.options.producerGroup, this.options.mqClientApiTimeout);
    this.remoting.shutdown();
  }

  /**
   * Resolves when every async send, background lookup, heartbeat and shared-state write started
   * so far has settled. At `deadline` the shared-state calls still running are given up (an
   * isolation not written is kept and written later); the rest is bounded by its own deadline.
   */
  async flush(deadline = Number.POSITIVE_INFINITY): Promise<void> {
    const timer = this.sync && Number.isFinite(deadline) ? setTimeout(() => this.sync!.abortInFlight(), Math.max(0, deadline - Date.now())) : undefined;
    try {
      while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
    } finally {
      clearTimeout(timer);
      this.sync?.resume();
    }
  }

  /** Sync send: 1 + retryTimesWhenSendFailed attempts within one timeout budget. */
  send(message: Message, options: SendOptions = {}): Promise<SendResult> {
    return this.sendOne(message, 'sync', options) as Promise<SendResult>;
  }

  /** Async send: retried only on transport failure; flush() waits for it. */
  sendAsync(message: Message, options: SendOptions = {}): Promise<SendResult> {
    return this.track(this.sendOne(message, 'async', options) as Promise<SendResult>);
  }

  /** Oneway: one attempt, resolved once the bytes are written; no result exists. */
  async sendOneway(message: Message, options: SendOptions = {}): Promise<void> {
    await this.sendOne(message, 'oneway', options);
  }

  /** One result per message, in order; split into several requests when over the size limit. */
  async sendBatch(messages: Message[], options: SendOptions = {}): Promise<SendResult[]> {
    this.ensureRunning();
    const batches = prepareBatches(messages, this.prepareSettings());
    if (options.atomic && batches.length > 1) {
      throw rocketError('MESSAGE_ILLEGAL', `messages: the batch takes ${batches.length} requests of at most ${this.options.maxMessageSize} bytes; an atomic batch must fit one`, {
        topic: messages[0]?.topic,
        field: 'messages',
      });
    }
    const results: SendResult[] = [];
    for (const batch of batches) {
      results.push(...splitBatchResult(batch, (await this.sendPrepared(batch, messages[0]!, 'sync', options))!));
    }
    return results;
  }

  /**
   * A batch whose every message is accounted for: stored (with its result) or failed (with why).
   * A message that breaks a message or batch rule fails alone, before anything is sent; a request
   * that fails fails its own messages only, or, with `stopOnFailure` (ordered input), every
   * message after it too, unsent.
   */
  async sendBatchSettled(messages: Message[], options: SendOptions & { stopOnFailure?: boolean } = {}): Promise<BatchOutcome[]> {
    this.ensureRunning();
    const outcomes: BatchOutcome[] = messages.map(() => ({}));
    const settings = this.prepareSettings();
    const first = batchReference(messages);
    const items: BatchItem[] = [];
    const indexes: number[] = [];
    for (const [i, message] of messages.entries()) {
      try {
        items.push(prepareBatchItem(message, i, first, settings));
        indexes.push(i);
      } catch (err) {
        outcomes[i] = { error: asRocketError(err) };
        if (options.stopOnFailure) {
          for (const j of messages.keys()) if (j > i) outcomes[j] = { error: skipped(err) };
          break;
        }
      }
    }
    if (items.length === 0) return outcomes;
    let next = 0;
    let failed: unknown;
    for (const batch of groupBatches(items, first, settings)) {
      const members = indexes.slice(next, next + batch.msgIds.length);
      next += batch.msgIds.length;
      if (failed !== undefined) {
        for (const i of members) outcomes[i] = { error: skipped(failed) };
        continue;
      }
      try {
        const results = splitBatchResult(batch, (await this.sendPrepared(batch, messages[members[0]!]!, 'sync', options))!);
        members.forEach((i, k) => (outcomes[i] = { result: results[k]! }));
      } catch (err) {
        for (const i of members) outcomes[i] = { error: asRocketError(err) };
        if (options.stopOnFailure) failed = err;
      }
    }
    return outcomes;
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.pending.add(promise);
    const forget = () => this.pending.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  private ensureRunning(): void {
    if (this.stateValue === 'RUNNING') return;
    throw rocketError(this.stateValue === 'SHUTDOWN_ALREADY' ? 'CLIENT_CLOSED' : 'NOT_STARTED', `The producer service state is ${this.stateValue}`);
  }

  private prepareSettings(): PrepareSettings {
    const o = this.options;
    return {
      namespace: o.namespace,
      compressOver: o.compressMsgBodyOverHowmuch,
      compressLevel: o.compressLevel,
      maxMessageSize: o.maxMessageSize,
      timerMaxDelayMs: o.timerMaxDelayMs,
      uniqIds: this.uniqIds,
    };
  }

  private async sendOne(message: Message, mode: SendMode, options: SendOptions): Promise<SendResult | undefined> {
    this.ensureRunning();
    const body = checkMessage(message, this.options.timerMaxDelayMs);
    return this.sendPrepared(prepareMessage(message, body, this.prepareSettings()), message, mode, options);
  }

  private async sendPrepared(prepared: Prepared, message: Message, mode: SendMode, options: SendOptions): Promise<SendResult | undefined> {
    this.stats.sends += 1;
    const begin = Date.now();
    const timeout = options.timeoutMs ?? this.options.sendMsgTimeout;
    const end = Math.min(begin + timeout, options.deadline ?? Number.POSITIVE_INFINITY);
    // A due re-read of shared state may take a third of what is left, never the whole budget.
    if (this.sync) await this.sync.refreshIfDue(begin + (end - begin) / 3);
    const total = mode === 'sync' ? 1 + this.options.retryTimesWhenSendFailed : mode === 'async' ? 1 + this.options.retryTimesWhenSendAsyncFailed : 1;
    const brokers: string[] = [];
    const fail = (spec: ErrorSpec, detail: string, timedOut: boolean, cause?: unknown): never => {
      this.stats.failures += 1;
      throw new SendError(spec, detail, { attempts: brokers.length, elapsedMs: Date.now() - begin, brokers, timedOut, topic: prepared.topic }, cause);
    };
    if (end <= begin) fail(ERROR_TABLE.ACCESS_BROKER_TIMEOUT, 'no time left before the deadline', true);

    let info: TopicPublishInfo;
    try {
      // An old route is served at once; its refresh runs beside this send, bounded by the caller's deadline.
      info = await this.routes.publishInfo(prepared.wireTopic, { deadline: end }, { deadline: options.deadline });
    } catch (err) {
      const e = err as RocketMQError;
      return fail(errorSpec(e.code), e.message, false, err);
    }
    // A broker of this route isolated long enough is probed beside the send (tracked, bounded).
    for (const probe of this.probe?.due(info.masters, options.deadline) ?? []) this.track(probe);
    if (options.refuseClusterTopics && isClusterTopic(info, prepared.wireTopic)) {
      throw rocketError('TOPIC_RESERVED', `topic: "${prepared.topic}" is the name of a broker or cluster`, { topic: prepared.topic, field: 'topic' });
    }
    const fixed = this.fixedQueue(info, message, options);
    let last: MessageQueue | undefined;
    let lastError: unknown;
    let lastResult: SendResult | undefined;
    for (let attempt = 0; attempt < total; attempt++) {
      info = this.routes.peek(prepared.wireTopic) ?? info;
      const queue = fixed ?? this.selector.select(info, last?.brokerName);
      const remaining = end - Date.now();
      if (remaining <= 0) {
        return fail(ERROR_TABLE.ACCESS_BROKER_TIMEOUT, `call timeout: the ${timeout} ms budget ran out`, true, lastError);
      }
      brokers.push(queue.brokerName);
      if (attempt > 0) this.stats.retries += 1;
      this.stats.attempts += 1;
      const started = Date.now();
      try {
        const result = await this.attempt(prepared, message, queue, info, mode, remaining, options.deadline);
        this.faults?.update(queue.brokerName, Date.now() - started, false);
        if (mode === 'sync' && result && result.status !== SendStatus.SEND_OK && this.options.retryAnotherBrokerWhenNotStoreOK && !fixed) {
          lastResult = result;
          last = queue;
          continue;
        }
        return result;
      } catch (err) {
        last = queue;
        lastError = err;
        const verdict = this.classify(err, mode);
        if (verdict.isolate) this.faults?.update(queue.brokerName, Date.now() - started, true);
        if (!verdict.retry) {
          const e = err as RocketMQError;
          return fail(errorSpec(e.code ?? ERROR_TABLE.SYSTEM_ERROR.code), e.message, false, err);
        }
      }
    }
    if (lastResult) return lastResult;
    const e = lastError as RocketMQError;
    return fail(errorSpec(e.code), e.message, false, lastError);
  }

  /**
   * Which failures move on to the next attempt, and which count against the broker, both read
   * from the error table: a broker code retries when it is in `retryResponseCodes` (the table's
   * retriable broker codes by default) and the send is sync; a transport failure retries unless
   * the send is oneway; `isolates` says whether the broker is to blame.
   */
  private classify(err: unknown, mode: SendMode): { retry: boolean; isolate: boolean } {
    if (!(err instanceof RocketMQError)) return { retry: false, isolate: false }; // hooks, our own bugs
    const { retriable, isolates } = errorSpec(err.code);
    if (err instanceof ConnectionError) return { retry: retriable && mode !== 'oneway', isolate: isolates };
    if (err instanceof BrokerError) return { retry: this.options.retryResponseCodes.includes(err.code) && mode === 'sync', isolate: isolates };
    // Raised here before the broker was reached: only a missing broker address moves on.
    const local = err.code === ERROR_TABLE.BROKER_NOT_EXIST_EXCEPTION.code;
    return { retry: local && retriable && mode === 'sync', isolate: local && isolates };
  }

  private fixedQueue(info: TopicPublishInfo, message: Message, options: SendOptions): MessageQueue | undefined {
    if (options.queue) return { ...options.queue, topic: info.topic };
    if (options.selector) return options.selector(info.messageQueues, message);
    if (message.shardingKey !== undefined) return selectByShardingKey(info.messageQueues, message.shardingKey);
    return undefined;
  }

  /** sendKernelImpl: one attempt against one queue. */
  private async attempt(
    prepared: Prepared,
    message: Message,
    queue: MessageQueue,
    info: TopicPublishInfo,
    mode: SendMode,
    timeoutMs: number,
    deadline: number | undefined,
  ): Promise<SendResult | undefined> {
    let address = info.masters.get(queue.brokerName);
    if (!address) {
      // The broker is not in this route (yet): refresh once, as findBrokerAddressInPublish's caller does.
      address = (await this.routes.refresh(prepared.wireTopic, { deadline: Date.now() + timeoutMs }).catch(() => info)).masters.get(queue.brokerName);
    }
    if (!address) throw rocketError('BROKER_NOT_EXIST_EXCEPTION', `The broker[${queue.brokerName}] not exist`, { topic: prepared.topic });
    if (this.options.vipChannelEnabled) address = vipChannel(address);

    const o = this.options;
    const context: SendContext = {
      producerGroup: o.producerGroup,
      message,
      queue: { ...queue, topic: prepared.topic },
      brokerAddress: address,
      mode,
      properties: prepared.properties,
      namespace: o.namespace,
    };
    for (const hook of o.checkForbiddenHooks) hook(context);
    for (const hook of o.sendMessageHooks) hook.before?.(context);
    const batch = 'batch' in prepared && prepared.batch;
    const request = sendRequest(
      {
        producerGroup: o.producerGroup,
        topic: prepared.wireTopic,
        defaultTopic: o.createTopicKey,
        defaultTopicQueueNums: o.defaultTopicQueueNums,
        queueId: queue.queueId,
        sysFlag: prepared.sysFlag,
        bornTimestamp: Date.now(),
        flag: prepared.flag,
        properties: prepared.propertiesText,
        reconsumeTimes: prepared.reconsumeTimes,
        unitMode: false,
        ...(prepared.maxReconsumeTimes !== undefined ? { maxReconsumeTimes: prepared.maxReconsumeTimes } : {}),
        batch,
        brokerName: queue.brokerName,
      },
      prepared.body,
      o.sendMessageHeader,
    );
    try {
      if (mode === 'oneway') {
        await this.remoting.invokeOneway(address, request);
        for (const hook of o.sendMessageHooks) hook.after?.(context);
        return undefined;
      }
      const response = await this.invokeFresh(address, request, timeoutMs);
      this.heartbeatIfDue(address, deadline);
      const stored = parseSendResponse(decodeSendResponse(response), address, prepared.topic);
      const result: SendResult = {
        status: stored.status,
        msgId: prepared.msgId, // a batch's is its messages' ids joined by commas
        offsetMsgId: stored.offsetMsgId,
        queue: { topic: unwrapNamespace(o.namespace, prepared.wireTopic), brokerName: queue.brokerName, queueId: stored.queueId },
        queueOffset: stored.queueOffset,
        regionId: stored.regionId,
        traceOn: stored.traceOn,
        ...(stored.transactionId ? { transactionId: stored.transactionId } : {}),
      };
      context.result = result;
      for (const hook of o.sendMessageHooks) hook.after?.(context);
      return result;
    } catch (err) {
      context.error = err as Error;
      for (const hook of o.sendMessageHooks) hook.after?.(context);
      throw err;
    }
  }

  /**
   * A socket that fails on first use after sitting idle was closed while nobody watched (a frozen
   * Lambda, the broker's idle close): that is staleness, not a broker fault. It is replaced and
   * the request sent again on the same broker once, and no fault is recorded for it.
   */
  private async invokeFresh(address: string, request: RequestCommand, timeoutMs: number) {
    const started = Date.now();
    const connection = this.remoting.connection(address);
    const stale = connection.established && !connection.closed && started - connection.lastIoAt >= STALE_AFTER_IDLE_MS;
    try {
      return await this.remoting.invoke(address, request, timeoutMs);
    } catch (err) {
      if (!stale || !(err instanceof ConnectionError) || err.codeName !== 'CONNECT_BROKER_EXCEPTION') throw err;
      this.stats.staleReconnects += 1;
      connection.close('stale after idle');
      return this.remoting.invoke(address, request, Math.max(1, timeoutMs - (Date.now() - started)));
    }
  }

  /**
   * Heartbeats go alongside the first send to a broker and then once per interval, never on a
   * timer, and never past the caller's deadline (the invocation waits for them).
   */
  private heartbeatIfDue(address: string, deadline: number | undefined): void {
    const now = Date.now();
    if (now - (this.heartbeatAt.get(address) ?? 0) < this.options.heartbeatBrokerInterval) return;
    const timeoutMs = Math.min(this.options.mqClientApiTimeout, (deadline ?? Number.POSITIVE_INFINITY) - now);
    if (timeoutMs <= 0) return; // still due: the next send takes it
    this.heartbeatAt.set(address, now);
    this.track(
      sendHeartbeats(this.remoting, [address], this.clientId, [this.options.producerGroup], timeoutMs).then((acks) => {
        for (const ack of acks) if (!ack.ok) (this.stats.heartbeatFailures += 1), this.heartbeatAt.delete(ack.address);
      }),
    );
  }
}

/** Brokers register topics named after themselves and their cluster (TopicConfigManager). */
function isClusterTopic(info: TopicPublishInfo, wireTopic: string): boolean {
  return !info.fromDefaultTopic && info.route.brokerDatas.some((b) => b.brokerName === wireTopic || b.cluster === wireTopic);
}

/** A connection idle at least this long before a request is suspected stale if that request fails. */
const STALE_AFTER_IDLE_MS = 1000;

/** MixAll.brokerVIPChannel: the VIP channel listens on the broker port minus 2. */
export function vipChannel(address: string): string {
  const at = address.lastIndexOf(':');
  return `${address.slice(0, at)}:${Number(address.slice(at + 1)) - 2}`;
}

export function createProducer(options: ProducerOptions): Producer {
  return new Producer(options);
}

