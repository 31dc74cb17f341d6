// The send loop (DefaultMQProducerImpl.sendDefaultImpl and the async retries of onExceptionImpl):
// one budget for all attempts, never past the caller's deadline; which queue each attempt takes;
// which failures move on and which count against the broker, both read from the error table.
import { BrokerError, ClientError, ConnectionError, ERROR_TABLE, RocketMQError, SendError, errorSpec, fieldError, type ErrorSpec } from '../errors.ts';
import type { Message } from '../message/message.ts';
import { SendStatus } from '../protocol/send.ts';
import type { MessageQueue, TopicPublishInfo } from '../route/publish-info.ts';
import type { RouteCache } from '../route/route-cache.ts';
import type { StateSync } from '../state/state-sync.ts';
import type { SendOptions } from './api.ts';
import { attemptSend, type AttemptDeps, type Prepared } from './attempt.ts';
import type { LatencyFaultTolerance } from './fault-tolerance.ts';
import type { SendMode } from './hooks.ts';
import type { IsolationProbe } from './isolation-probe.ts';
import type { ResolvedOptions } from './options.ts';
import { selectByShardingKey, type QueueSelector } from './queue-selector.ts';
import type { SendResult } from './send-result.ts';

export interface SendCounters {
  sends: number;
  attempts: number;
  retries: number;
  failures: number;
}

export interface SendLoopDeps extends AttemptDeps {
  options: ResolvedOptions;
  routes: RouteCache;
  selector: QueueSelector;
  faults: LatencyFaultTolerance | null;
  probe: IsolationProbe | null;
  sync: StateSync | null;
  counters: SendCounters;
  track: (work: Promise<unknown>) => void;
}

/**
 * Which failures move on to the next attempt, and which count against the broker: a broker code
 * retries when it is in `retryResponseCodes` (the table's retriable broker codes by default) and
 * the send is sync; a transport failure retries unless the send is oneway; `isolates` says whether
 * the broker is to blame.
 */
export function classify(err: unknown, mode: SendMode, retryResponseCodes: readonly number[]): { retry: boolean; isolate: boolean } {
  if (!(err instanceof RocketMQError)) return { retry: false, isolate: false }; // hooks, our own bugs
  const { retriable, isolates } = errorSpec(err.code);
  if (err instanceof ConnectionError) return { retry: retriable && mode !== 'oneway', isolate: isolates };
  if (err instanceof BrokerError) return { retry: retryResponseCodes.includes(err.code) && mode === 'sync', isolate: isolates };
  // Raised here before the broker was reached: only a missing broker address moves on.
  const local = err.code === ERROR_TABLE.BROKER_NOT_EXIST_EXCEPTION.code;
  return { retry: local && retriable && mode === 'sync', isolate: local && isolates };
}

/** Brokers register topics named after themselves and their cluster (TopicConfigManager). */
function isClusterTopic(info: TopicPublishInfo, wireTopic: string): boolean {
  return !info.fromDefaultTopic && info.route.brokerDatas.some((b) => b.brokerName === wireTopic || b.cluster === wireTopic);
}

/** A send with a sharding key, a selector or a chosen queue stays on that queue across retries. */
function fixedQueue(info: TopicPublishInfo, message: Message, options: SendOptions): MessageQueue | undefined {
  if (options.queue) return { ...options.queue, topic: info.topic };
  if (options.selector) return options.selector(info.messageQueues, message);
  if (message.shardingKey !== undefined) return selectByShardingKey(info.messageQueues, message.shardingKey);
  return undefined;
}

/** The SendError of a send that failed, counted (a function, not a closure made for every send). */
function sendFailed(
  counters: SendCounters,
  spec: ErrorSpec,
  detail: string,
  send: { brokers: string[]; begin: number; timedOut: boolean; topic: string },
  cause?: unknown,
): never {
  counters.failures += 1;
  const { brokers, begin, timedOut, topic } = send;
  throw new SendError(spec, detail, { attempts: brokers.length, elapsedMs: Date.now() - begin, brokers, timedOut, topic }, cause);
}

export async function sendWithRetries(
  deps: SendLoopDeps,
  prepared: Prepared,
  message: Message,
  mode: SendMode,
  options: SendOptions,
  /** Called once when the send has settled, whatever the outcome (an async send's count). */
  settled?: () => void,
): Promise<SendResult | undefined> {
  try {
    const { options: o, counters } = deps;
    counters.sends += 1;
    const begin = Date.now();
    const timeout = options.timeoutMs ?? o.sendMsgTimeout;
    const end = Math.min(begin + timeout, options.deadline ?? Number.POSITIVE_INFINITY);
    // A due re-read of shared state may take a third of what is left, never the whole budget.
    if (deps.sync) await deps.sync.refreshIfDue(begin + (end - begin) / 3);
    const total = mode === 'sync' ? 1 + o.retryTimesWhenSendFailed : mode === 'async' ? 1 + o.retryTimesWhenSendAsyncFailed : 1;
    const brokers: string[] = [];
    if (end <= begin)
      sendFailed(counters, ERROR_TABLE.ACCESS_BROKER_TIMEOUT, 'no time left before the deadline', { brokers, begin, timedOut: true, topic: prepared.topic });

    // An old route is served at once; its refresh runs beside this send, bounded by the caller's deadline.
    let info: TopicPublishInfo | undefined = deps.routes.cachedInfo(prepared.wireTopic, { deadline: options.deadline });
    if (!info) {
      try {
        info = await deps.routes.refresh(prepared.wireTopic, { deadline: end });
      } catch (err) {
        const e = err as RocketMQError;
        return sendFailed(counters, errorSpec(e.code), e.message, { brokers, begin, timedOut: false, topic: prepared.topic }, err);
      }
    }
    // A broker of this route isolated long enough is probed beside the send (tracked, bounded).
    for (const probe of deps.probe?.due(info.masters, options.deadline) ?? []) deps.track(probe);
    if (options.refuseClusterTopics && isClusterTopic(info, prepared.wireTopic)) {
      throw fieldError('TOPIC_RESERVED', 'topic', `"${prepared.topic}" is the name of a broker or cluster`, { topic: prepared.topic });
    }
    const fixed = fixedQueue(info, message, options);
    let last: MessageQueue | undefined;
    let lastError: unknown;
    let lastResult: SendResult | undefined;
    for (let attempt = 0; attempt < total; attempt++) {
      info = deps.routes.peek(prepared.wireTopic) ?? info;
      const queue = fixed ?? deps.selector.select(info, last?.brokerName);
      const remaining = end - Date.now();
      if (remaining <= 0)
        return sendFailed(
          counters,
          ERROR_TABLE.ACCESS_BROKER_TIMEOUT,
          `call timeout: the ${timeout} ms budget ran out`,
          { brokers, begin, timedOut: true, topic: prepared.topic },
          lastError,
        );
      brokers.push(queue.brokerName);
      if (attempt > 0) counters.retries += 1;
      counters.attempts += 1;
      const started = Date.now();
      try {
        const result = await attemptSend(deps, prepared, message, { queue, info, mode, timeoutMs: remaining, deadline: options.deadline });
        deps.faults?.update(queue.brokerName, Date.now() - started, false);
        if (mode === 'sync' && result && result.status !== SendStatus.SEND_OK && o.retryAnotherBrokerWhenNotStoreOK && !fixed) {
          lastResult = result;
          last = queue;
          continue;
        }
        return result;
      } catch (err) {
        last = queue;
        lastError = err;
        const verdict = classify(err, mode, o.retryResponseCodes);
        if (verdict.isolate) deps.faults?.update(queue.brokerName, Date.now() - started, true);
        if (!verdict.retry) {
          // Refused before sending (the broker is too old for the message): the caller's refusal, not a failed send.
          if (err instanceof ClientError && err.code === ERROR_TABLE.UNSUPPORTED_BY_BROKER.code) throw err;
          const e = err as RocketMQError;
          return sendFailed(
            counters,
            errorSpec(e.code ?? ERROR_TABLE.SYSTEM_ERROR.code),
            e.message,
            { brokers, begin, timedOut: false, topic: prepared.topic },
            err,
          );
        }
      }
    }
    if (lastResult) return lastResult;
    const e = lastError as RocketMQError;
    return sendFailed(counters, errorSpec(e.code), e.message, { brokers, begin, timedOut: false, topic: prepared.topic }, lastError);
  } finally {
    settled?.();
  }
}
