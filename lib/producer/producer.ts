// The producer: DefaultMQProducerImpl's lifecycle and send verbs, wired from the pieces that do the
// work (send-loop.ts, attempt.ts, batch-settle.ts, heartbeats.ts, maintenance.ts). Users get it as
// the Producer interface (api.ts); the class itself is reached only through the internal entry.
import { buildClientId } from './client-id.ts';
import { fieldError, invalidArgument, rocketError } from '../errors.ts';
import { Prop } from '../message/properties.ts';
import { checkMessage, delayField, type Message } from '../message/message.ts';
import { UniqIdGenerator } from '../message/uniq-id.ts';
import { RemotingClient } from '../remoting/remoting-client.ts';
import type { TopicRouteData } from '../protocol/topic-route.ts';
import { NameServerClient } from '../route/name-server.ts';
import { RouteCache } from '../route/route-cache.ts';
import { MemoryFaultStore } from '../state/fault-store.ts';
import { StateSync } from '../state/state-sync.ts';
import type {
  BatchOutcome,
  LocalTransaction,
  LocalTransactionState,
  ProbeOutcome,
  Producer,
  ProducerState,
  ProducerStats,
  RefreshOutcome,
  SendOptions,
  SettledBatchOptions,
  StartOptions,
  TransactionOutcome,
} from './api.ts';
import { endTransaction, halfMessageOf, isDelivered, type HalfMessage, type TransactionDecision } from './half-message.ts';
import type { Prepared } from './attempt.ts';
import { settleBatch } from './batch-settle.ts';
import { prepareBatches, splitBatchResult } from './batch-send.ts';
import { LatencyFaultTolerance } from './fault-tolerance.ts';
import { HeartbeatScheduler } from './heartbeats.ts';
import type { SendMode } from './hooks.ts';
import { IsolationProbe } from './isolation-probe.ts';
import { probeIsolated, refreshRoutes, type MaintenanceDeps } from './maintenance.ts';
import { resolveOptions, type ProducerOptions, type ResolvedOptions } from './options.ts';
import { PendingWork } from './pending.ts';
import { sendTraceMessage } from './trace-send.ts';
import { MessageTracer } from '../trace/tracer.ts';
import { prepareMessage, wrapNamespace, type PrepareSettings } from './prepare.ts';
import { QueueSelector } from './queue-selector.ts';
import { lookupStored, type StoredLookup } from './lookup.ts';
import { recallMessage, type RecallOptions, type RecallResult } from './recall.ts';
import { rehearseSend } from './rehearsal.ts';
import { countInScope, liveScopes, type ScopeSource, type WorkScope } from './scope.ts';
import { sendWithRetries, type SendCounters, type SendLoopDeps } from './send-loop.ts';
import type { SendResult } from './send-result.ts';

/** How long shutdown() waits for the runtime to report its sockets closed (one tick in Node). */
const SOCKETS_CLOSED_WITHIN_MS = 1000;

export class ProducerImpl implements Producer {
  private stateValue: ProducerState = 'CREATE_JUST';
  readonly options: ResolvedOptions;
  readonly clientId: string;
  readonly remoting: RemotingClient;
  readonly routes: RouteCache;
  private readonly nameServer: NameServerClient;
  /** Null when sendLatencyFaultEnable is off. */
  readonly faults: LatencyFaultTolerance | null;
  /** Null without shared state. */
  readonly sync: StateSync | null;
  /** Null without fault tolerance or with probing off. */
  readonly probe: IsolationProbe | null;
  private readonly heartbeats: HeartbeatScheduler;
  /** Null with message trace off. */
  readonly tracer: MessageTracer | null;
  /** Everything pending, for a flush of the whole producer (shutdown). */
  private readonly pending = new PendingWork();
  /** What was started outside any scope (the init phase): every scope's flush settles it too. */
  private readonly unscoped = new PendingWork();
  private readonly scope: ScopeSource;
  private readonly counters: SendCounters = { sends: 0, attempts: 0, retries: 0, failures: 0 };
  private readonly uniqIds = new UniqIdGenerator();
  private readonly loop: SendLoopDeps;
  private readonly maintenance: MaintenanceDeps;
  private readonly settings: PrepareSettings;

  constructor(options: ProducerOptions) {
    this.options = resolveOptions(options);
    const o = this.options;
    this.scope = o.scope ? liveScopes(o.scope) : () => undefined;
    const track = (work: Promise<unknown>) => void this.track(work);
    this.clientId = buildClientId(o.instanceName, o.unitName);
    this.remoting = new RemotingClient({
      connectTimeoutMs: o.connectTimeoutMs,
      maxInFlightPerConnection: o.maxInFlightPerConnection,
      maxConnections: o.maxConnections,
      idleLimitMs: o.idleConnectionLimitMs,
      serializeType: o.serializeType,
      ...(o.credentials ? { credentials: o.credentials } : {}),
      ...(o.tls ? { tls: o.tls } : {}),
    });
    const localFaults = o.faultStore ?? new MemoryFaultStore();
    this.sync = o.sharedState
      ? new StateSync(o.sharedState, localFaults, {
          refreshIntervalMs: o.sharedStateRefreshInterval,
          routeMaxAgeMs: o.sharedRouteMaxAge,
          log: o.logger,
          track,
          ...(o.scope ? { scope: this.scope } : {}),
        })
      : null;
    const sync = this.sync;
    this.nameServer = new NameServerClient(this.remoting, o.nameServers, o.mqClientApiTimeout);
    this.routes = new RouteCache(this.nameServer, {
      defaultTopic: o.createTopicKey,
      defaultTopicQueueNums: o.defaultTopicQueueNums,
      refreshIntervalMs: o.pollNameServerInterval,
      ...(sync ? { onFetched: (topic, route, at) => sync.onRouteFetched(topic, route, at) } : {}),
      track,
    });
    this.faults = o.sendLatencyFaultEnable ? new LatencyFaultTolerance(sync ? sync.faultStore() : localFaults, o.faultTables) : null;
    this.heartbeats = new HeartbeatScheduler(
      this.remoting,
      { clientId: this.clientId, producerGroup: o.producerGroup, intervalMs: o.heartbeatBrokerInterval, timeoutMs: o.mqClientApiTimeout },
      track,
    );
    this.probe =
      this.faults && o.isolationProbeInterval > 0
        ? new IsolationProbe(this.faults, {
            intervalMs: o.isolationProbeInterval,
            timeoutMs: o.isolationProbeTimeout,
            ping: async (address, timeoutMs) => {
              if (!(await this.heartbeats.beat(address, timeoutMs))) throw new Error('no answer');
            },
            ...(sync ? { claim: (broker: string, deadline: number) => sync.claimProbe(broker, o.isolationProbeInterval, deadline) } : {}),
          })
        : null;
    this.settings = {
      namespace: o.namespace,
      compressOver: o.compressMsgBodyOverHowmuch,
      compressLevel: o.compressLevel,
      maxMessageSize: o.maxMessageSize,
      timerMaxDelayMs: o.timerMaxDelayMs,
      uniqIds: this.uniqIds,
    };
    this.tracer = o.messageTrace
      ? new MessageTracer(
          { topic: o.messageTrace.topic, group: o.producerGroup, timeoutMs: o.messageTrace.timeoutMs, maxBuffered: 20_000, flushAfterMs: 5000 },
          o.logger,
          () => this.scope()?.trace,
        )
      : null;
    const common = { routes: this.routes, faults: this.faults, probe: this.probe, sync };
    this.loop = {
      ...common,
      options: o,
      remoting: this.remoting,
      heartbeats: this.heartbeats,
      tracer: this.tracer,
      selector: new QueueSelector(this.faults),
      counters: this.counters,
      track,
    };
    this.maintenance = { ...common, namespace: o.namespace, flush: (deadline) => this.flush(deadline, this.scope()) };
    if (o.scope) this.countInScopes(this.scope);
  }

  /** Each counter stats() reports for the producer also counts in the scope whose work moved it. */
  private countInScopes(scope: ScopeSource): void {
    countInScope(this.counters, { sends: 'sends', attempts: 'attempts', retries: 'retries', failures: 'failures' }, scope);
    countInScope(this.remoting, { staleReconnects: 'staleReconnects' }, scope);
    if (this.probe) countInScope(this.probe.counters, { probes: 'isolationProbes', lifted: 'isolationsLifted' }, scope);
    if (this.tracer) {
      // Sent and failed are counted by sendTraces, for the scope whose records they were.
      countInScope(this.tracer.counters, { recordsDropped: 'traceRecordsDropped' }, scope);
    }
    if (this.sync) {
      const fields = {
        reads: 'stateReads',
        writes: 'stateWrites',
        errors: 'stateErrors',
        lostRaces: 'stateLostRaces',
        isolationsLearned: 'isolationsLearned',
        isolationsSeen: 'isolationsSeen',
      } as const;
      countInScope(this.sync.counters, fields, scope);
    }
  }

  /** Work that must settle before its scope's flush returns (the whole producer's, for shutdown). */
  private track<T>(work: Promise<T>): Promise<T> {
    this.pending.track(work);
    // Without a scope source nothing flushes by scope: the whole-producer set is enough.
    if (this.options.scope) (this.scope()?.pending ?? this.unscoped).track(work);
    return work;
  }

  get state(): ProducerState {
    return this.stateValue;
  }

  async start(options: StartOptions = {}): Promise<void> {
    if (this.stateValue !== 'CREATE_JUST') {
      throw rocketError('INVALID_ARGUMENT', `The producer service state is ${this.stateValue}, it may have been started before`);
    }
    try {
      // Shared state first: its routes spare the name server, its isolations apply from the first send.
      await this.sync?.load(this.routes, options.deadline);
      const infos = await Promise.all((options.warmTopics ?? []).map((topic) => this.routes.publishInfo(wrapNamespace(this.options.namespace, topic))));
      if (options.connect) {
        const masters = new Set(infos.flatMap((info) => [...info.masters.values()]));
        const timeoutMs = Math.max(1, Math.min(this.options.mqClientApiTimeout, (options.deadline ?? Number.POSITIVE_INFINITY) - Date.now()));
        await Promise.all([...masters].map((address) => this.heartbeats.connect(address, timeoutMs)));
        try {
          rehearseSend(this.options, this.settings);
        } catch {
          // Only a head start: a rehearsal that fails costs the first send its compile time, nothing else.
        }
      }
    } catch (err) {
      this.stateValue = 'START_FAILED';
      this.remoting.shutdown();
      throw err;
    }
    this.stateValue = 'RUNNING';
  }

  async shutdown(): Promise<void> {
    if (this.stateValue !== 'RUNNING') {
      this.stateValue = 'SHUTDOWN_ALREADY';
      this.remoting.shutdown();
      return;
    }
    await this.flush();
    this.stateValue = 'SHUTDOWN_ALREADY';
    await this.heartbeats.unregisterAll();
    this.remoting.shutdown();
    // Resolved once the runtime says every socket is closed: nothing of this producer outlives it.
    await this.remoting.socketsClosed(SOCKETS_CLOSED_WITHIN_MS);
  }

  /**
   * Every async send, background lookup, heartbeat, probe, shared-state write and trace record
   * started so far settles: of `scope` alone when one is given (and what started outside any
   * scope), of the whole producer otherwise. At `deadline` the shared-state calls still running
   * are given up (an isolation not written is kept and written later); the rest carries the
   * deadline itself.
   */
  async flush(deadline = Number.POSITIVE_INFINITY, scope?: WorkScope): Promise<void> {
    const sync = this.sync;
    try {
      const giveUp = sync ? () => sync.abortInFlight(scope) : undefined;
      // A producer told no scope source tracked nothing by scope: it settles everything.
      if (scope && this.options.scope) await Promise.all([scope.pending.settle(deadline, giveUp), this.unscoped.settle(deadline, giveUp)]);
      else await this.pending.settle(deadline, giveUp);
      // Trace records last: the async sends just settled leave theirs.
      await this.sendTraces(deadline, scope);
    } finally {
      sync?.resume(scope);
    }
  }

  /**
   * Trace records gathered so far, `scope`'s (and those made outside any) or else all, sent within
   * their budget and never past `deadline`, and counted in `scope` (else the current one); never throws.
   */
  private async sendTraces(deadline?: number, scope?: WorkScope, buffers = scope ? this.tracer?.ownBuffers(scope.trace) : undefined): Promise<void> {
    if (!this.tracer) return;
    const deps = { options: this.options, remoting: this.remoting, routes: this.routes, faults: this.faults, settings: this.settings };
    const { sent, failed } = await this.tracer.dispatch((message, timeoutMs) => sendTraceMessage(deps, message, timeoutMs), deadline, buffers);
    const counted = scope ?? this.scope(); // a flush of everything counts in the scope it runs in
    if (counted) {
      counted.counts.traceRecordsSent += sent;
      counted.counts.traceRecordsFailed += failed;
    }
  }

  async freshen(deadline?: number): Promise<void> {
    this.remoting.closeStale();
    await this.sync?.refreshIfDue(deadline);
  }

  send(message: Message, options: SendOptions = {}): Promise<SendResult> {
    return this.sendOne(message, 'sync', options) as Promise<SendResult>;
  }

  sendAsync(message: Message, options: SendOptions = {}): Promise<SendResult> {
    // Counted rather than tracked: the send loop says when it is done, no Set entry for its promise.
    const scoped = this.options.scope ? (this.scope()?.pending ?? this.unscoped) : undefined;
    this.pending.begin();
    scoped?.begin();
    const sent = this.sendOne(
      message,
      'async',
      options,
      scoped
        ? () => {
            this.pending.end();
            scoped.end();
          }
        : this.endPending,
    ) as Promise<SendResult>;
    // A caller may leave an async send alone (flush() settles it): its failure is no unhandled rejection.
    sent.catch(ignore);
    return sent;
  }

  private readonly endPending = (): void => this.pending.end();

  async sendOneway(message: Message, options: SendOptions = {}): Promise<void> {
    await this.sendOne(message, 'oneway', options);
  }

  async sendBatch(messages: Message[], options: SendOptions = {}): Promise<SendResult[]> {
    this.ensureRunning();
    const batches = prepareBatches(messages, this.settings);
    if (options.atomic && batches.length > 1) {
      const detail = `the batch takes ${batches.length} requests of at most ${this.options.maxMessageSize} bytes; an atomic batch must fit one`;
      throw fieldError('MESSAGE_ILLEGAL', 'messages', detail, { topic: messages[0]?.topic });
    }
    const results: SendResult[] = [];
    for (const batch of batches) results.push(...splitBatchResult(batch, (await this.sendPrepared(batch, messages[0]!, 'sync', options))!));
    return results;
  }

  sendBatchSettled(messages: Message[], options: SettledBatchOptions = {}): Promise<BatchOutcome[]> {
    this.ensureRunning();
    return settleBatch(messages, options, this.settings, async (batch, first) => (await this.sendPrepared(batch, first, 'sync', options))!);
  }

  async sendHalf(message: Message, options: SendOptions = {}): Promise<HalfMessage> {
    this.ensureRunning();
    // Java drops a delay from a transactional message silently, the broker its priority; a caller should know.
    const delay = message && typeof message === 'object' ? delayField(message) : undefined;
    if (delay) invalidArgument(delay, 'a transactional message cannot be delayed');
    if (message?.priority !== undefined) invalidArgument('priority', 'a transactional message cannot carry a priority');
    if (message?.liteTopic !== undefined) invalidArgument('liteTopic', 'a transactional message cannot go to a lite topic');
    const body = checkMessage(message, this.options.timerMaxDelayMs);
    const group = this.options.producerGroup;
    const prepared = prepareMessage(
      message,
      body,
      this.settings,
      new Map([
        [Prop.TRAN_MSG, 'true'],
        [Prop.PGROUP, group],
      ]),
    );
    await this.refuseProxyTransactions(prepared.wireTopic, options.deadline);
    const result = (await this.sendPrepared(prepared, message, 'sync', options))!;
    return halfMessageOf(result, prepared.wireTopic, group);
  }

  /**
   * A 5.x Proxy answers routes with itself as every broker, and acknowledges a remoting client's
   * END_TRANSACTION without acting on it (apache/rocketmq#8313, seen on rocketmq-proxy 5.3.3): the
   * broker would commit only when one of its checks, relayed by the proxy, is answered. A half
   * message sent there could be committed by nobody, so none is sent.
   */
  private async refuseProxyTransactions(wireTopic: string, deadline: number | undefined): Promise<void> {
    const info = await this.routes.publishInfo(wireTopic, deadline === undefined ? {} : { deadline });
    const proxy = [...info.masters.values()].find((address) => this.options.nameServers.includes(address));
    if (proxy) {
      throw rocketError(
        'TRANSACTIONS_UNSUPPORTED',
        'the cluster is reached through a RocketMQ Proxy, which drops END_TRANSACTION from remoting clients (apache/rocketmq#8313); a half message sent there might never be committed',
        { address: proxy, topic: wireTopic },
      );
    }
  }

  async endTransaction(half: HalfMessage, decision: TransactionDecision, options: { fromCheck?: boolean; deadline?: number } = {}): Promise<void> {
    this.ensureRunning();
    const address = await endTransaction({ remoting: this.remoting, routes: this.routes, timeoutMs: this.options.mqClientApiTimeout }, half, decision, options);
    this.tracer?.ended(half, decision, options.fromCheck ?? false, address);
  }

  recall(topic: string, recallHandle: string, options: RecallOptions = {}): Promise<RecallResult> {
    this.ensureRunning();
    const o = this.options;
    const deps = { remoting: this.remoting, routes: this.routes, heartbeats: this.heartbeats, producerGroup: o.producerGroup, namespace: o.namespace };
    return recallMessage({ ...deps, timeoutMs: o.sendMsgTimeout }, topic, recallHandle, options);
  }

  lookupStored(topic: string, uniqKey: string, deadline?: number): Promise<StoredLookup> {
    this.ensureRunning();
    const { remoting, routes, faults } = this;
    const deps = { remoting, routes, namespace: this.options.namespace, timeoutMs: this.options.mqClientApiTimeout };
    return lookupStored(faults ? { ...deps, available: (broker: string) => faults.isAvailable(broker) } : deps, topic, uniqKey, deadline);
  }

  lookupRoute(topic: string, deadline?: number): Promise<TopicRouteData | null> {
    this.ensureRunning();
    return this.nameServer.getRoute(wrapNamespace(this.options.namespace, topic), deadline);
  }

  isDelivered(half: HalfMessage, deadline?: number): Promise<boolean> {
    this.ensureRunning();
    return isDelivered({ remoting: this.remoting, routes: this.routes, timeoutMs: this.options.mqClientApiTimeout }, half, deadline);
  }

  async sendInTransaction(message: Message, execute: LocalTransaction, options: SendOptions = {}): Promise<TransactionOutcome> {
    const half = await this.sendHalf(message, options);
    let state: LocalTransactionState;
    try {
      state = await execute(half);
    } catch (error) {
      return { half, state: 'UNKNOWN', ended: false, error };
    }
    if (state === 'UNKNOWN') return { half, state, ended: false };
    try {
      await this.endTransaction(half, state, options.deadline === undefined ? {} : { deadline: options.deadline });
      return { half, state, ended: true };
    } catch (error) {
      return { half, state, ended: false, error };
    }
  }

  refreshRoutes(topics: string[], deadline?: number): Promise<RefreshOutcome> {
    this.ensureRunning();
    return refreshRoutes(this.maintenance, topics, deadline);
  }

  probeIsolated(deadline?: number): Promise<ProbeOutcome> {
    this.ensureRunning();
    return probeIsolated(this.maintenance, deadline);
  }

  stats(): ProducerStats {
    const sync = this.sync;
    return {
      state: this.stateValue,
      ...this.counters,
      heartbeatFailures: this.heartbeats.failures,
      staleReconnects: this.remoting.staleReconnects,
      sockets: { opened: this.remoting.socketsOpened, open: this.remoting.socketsOpen, evicted: this.remoting.socketsEvicted },
      routeLookups: this.routes.lookups,
      isolationProbes: this.probe?.counters.probes ?? 0,
      isolationsLifted: this.probe?.counters.lifted ?? 0,
      pending: this.pending.size,
      ...(this.tracer ? { trace: { ...this.tracer.counters, buffered: this.tracer.buffered } } : {}),
      ...(sync ? { sharedState: { degraded: sync.degraded, ...sync.counters } } : {}),
    };
  }

  private ensureRunning(): void {
    if (this.stateValue === 'RUNNING') return;
    throw rocketError(this.stateValue === 'SHUTDOWN_ALREADY' ? 'CLIENT_CLOSED' : 'NOT_STARTED', `The producer service state is ${this.stateValue}`);
  }

  // Neither of these two is async: each promise layer between the caller and the socket costs a
  // measurable share of a send's CPU, so a refusal becomes a rejected promise by hand.
  // `settled`, when given, is called once when the send has settled, whatever its outcome.
  private sendOne(message: Message, mode: SendMode, options: SendOptions, settled?: () => void): Promise<SendResult | undefined> {
    try {
      this.ensureRunning();
      const body = checkMessage(message, this.options.timerMaxDelayMs);
      return this.sendPrepared(prepareMessage(message, body, this.settings), message, mode, options, settled);
    } catch (err) {
      settled?.();
      return Promise.reject(err);
    }
  }

  private sendPrepared(prepared: Prepared, message: Message, mode: SendMode, options: SendOptions, settled?: () => void): Promise<SendResult | undefined> {
    if (!this.tracer) return sendWithRetries(this.loop, prepared, message, mode, options, settled);
    return sendWithRetries(this.loop, prepared, message, mode, options).finally(() => {
      try {
        // A full trace message, or records waiting past flushAfterMs, go out beside the next send.
        if (this.tracer?.due) {
          const scope = this.scope();
          this.track(this.sendTraces(options.deadline, scope, this.tracer.ownBuffers(scope?.trace)));
        }
      } finally {
        // Settled after the trace work it started is tracked: a flush waiting for it finds that too.
        settled?.();
      }
    });
  }
}

function ignore(): void {}

/** Makes a producer; `start()` it before sending. */
export function createProducer(options: ProducerOptions): Producer {
  return new ProducerImpl(options);
}
