// SQS records to RocketMQ. Every record is accounted for: confirmed stored by a broker, or listed in
// batchItemFailures (SQS then redelivers it, and after maxReceiveCount moves it to the DLQ).
// - target topic: the record's topic attribute, else TARGET_TOPIC; reserved topics and topics
//   outside ALLOWED_TOPICS fail the record, unsent;
// - SQS message attributes become user properties (binary ones as base64 text); the tags and keys
//   attributes become tags and keys; the SQS messageId is always a key, so consumers can drop
//   redeliveries;
// - trace context: the traceparent / tracestate attributes and the AWSTraceHeader system attribute
//   become properties (lib/lambda/trace-context.ts);
// - records that share a topic go out as batches (as few round trips as the protocol allows);
// - FIFO: the MessageGroupId is the sharding key, records of a group go in order, and after a
//   failure the rest of that group is reported failed so order is kept.
// Failures are what is left: a record is reported failed unless a broker confirmed it, so no input
// and no unexpected error can make the invocation throw after some records were stored.
import type { SQSBatchItemFailure, SQSBatchResponse, SQSMessageAttribute, SQSRecord } from 'aws-lambda';
import { type BatchOutcome, type Message, type RocketMQError, stableMessageId } from '../../lib/index.ts';
import {
  checkedContext,
  DEFAULT_TRACE_PROPERTIES,
  invocationXrayHeader,
  topicPolicy,
  type TopicPolicy,
  type TraceProperties,
} from '../../lib/lambda/functions-kit.ts';
import { withTraceContext, type Invocation, type TraceContext } from '../../lib/lambda/index.ts';

export interface BridgeConfig {
  targetTopic: string | undefined;
  topicAttribute: string;
  tagsAttribute: string;
  keysAttribute: string;
}

export function readBridgeConfig(env: NodeJS.ProcessEnv = process.env): BridgeConfig {
  return {
    targetTopic: env.TARGET_TOPIC || undefined,
    topicAttribute: env.TOPIC_ATTRIBUTE || 'topic',
    tagsAttribute: env.TAGS_ATTRIBUTE || 'tags',
    keysAttribute: env.KEYS_ATTRIBUTE || 'keys',
  };
}

/** A record and what became of it on the way to a message. */
export interface Prepared {
  record: SQSRecord;
  message?: Message;
  problem?: string;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Attributes that set what a message asks of the broker, under the producer's own names: a delay
 * (5.x timers), a priority (5.4+), a lite topic (5.5+). The producer checks their ranges; a message
 * with one goes alone, since a batch can carry none of them.
 */
const NUMBER_ATTRIBUTES = ['delaySeconds', 'delayMs', 'priority'] as const;
const FEATURE_ATTRIBUTES: readonly string[] = [...NUMBER_ATTRIBUTES, 'liteTopic'];
const goesAlone = (message: Message): boolean => FEATURE_ATTRIBUTES.some((name) => message[name as keyof Message] !== undefined);

function attributeText(attribute: SQSMessageAttribute | undefined): string | undefined {
  if (!isObject(attribute)) return undefined;
  if (typeof attribute.stringValue === 'string') return attribute.stringValue;
  if (typeof attribute.binaryValue === 'string') return attribute.binaryValue; // base64 as Lambda delivers it
  return undefined;
}

/** The record's trace context: W3C attributes as OpenTelemetry sets them, and X-Ray's system attribute. */
function recordContext(record: SQSRecord, text: (name: string) => string | undefined): TraceContext {
  const system: Record<string, unknown> = isObject(record.attributes) ? record.attributes : {};
  const xray = typeof system.AWSTraceHeader === 'string' ? system.AWSTraceHeader : invocationXrayHeader();
  return checkedContext({ traceparent: text('traceparent'), tracestate: text('tracestate'), xray });
}

export function toMessage(
  record: SQSRecord,
  config: BridgeConfig,
  policy: TopicPolicy = topicPolicy(['*']),
  trace: TraceProperties = DEFAULT_TRACE_PROPERTIES,
): Prepared {
  if (typeof record.body !== 'string') return { record, problem: 'the record has no body text' };
  const attributes = isObject(record.messageAttributes) ? record.messageAttributes : {};
  const text = (name: string) => attributeText(attributes[name]);
  const topic = text(config.topicAttribute) ?? config.targetTopic;
  if (!topic) return { record, problem: `no topic: neither a "${config.topicAttribute}" attribute nor TARGET_TOPIC` };
  const refusal = policy.refusal(topic);
  if (refusal) return { record, problem: `${refusal.code}: ${refusal.message}` };
  // No prototype: an attribute may be named "__proto__" and must land as a property like any other.
  const properties: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const name of Object.keys(attributes)) {
    if ([config.topicAttribute, config.tagsAttribute, config.keysAttribute, ...FEATURE_ATTRIBUTES].includes(name)) continue;
    // Trace context goes in checked, under the configured names (below).
    if ((name === 'traceparent' && trace.traceparent) || (name === 'tracestate' && trace.tracestate)) continue;
    const value = text(name);
    if (value !== undefined) properties[name] = value;
  }
  const keys = [
    record.messageId,
    ...(text(config.keysAttribute)
      ?.split(',')
      .map((k) => k.trim())
      .filter(Boolean) ?? []),
  ];
  // One UNIQ_KEY per SQS message, whichever delivery sends it, its time part when SQS took it in.
  const sentAt = Number(record.attributes?.SentTimestamp);
  const id = stableMessageId(`sqs:${record.messageId}`, Number.isSafeInteger(sentAt) && sentAt > 0 ? sentAt : Date.now());
  const message: Message = { topic, body: record.body, keys, id };
  for (const name of NUMBER_ATTRIBUTES) {
    const value = text(name);
    if (value === undefined) continue;
    if (!/^-?\d{1,16}$/.test(value.trim())) return { record, problem: `INVALID_ARGUMENT: the ${name} attribute "${value}" is not a whole number` };
    message[name] = Number(value);
  }
  const liteTopic = text('liteTopic');
  if (liteTopic !== undefined) message.liteTopic = liteTopic;
  const tags = text(config.tagsAttribute);
  if (tags !== undefined) message.tags = tags;
  if (Object.keys(properties).length > 0) message.properties = properties;
  const group = record.attributes?.MessageGroupId;
  if (group) message.shardingKey = group;
  return { record, message: withTraceContext(message, recordContext(record, text), trace) };
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/**
 * Consecutive sendable records with the same topic: FIFO order allows batching only within such
 * runs. A record that cannot be sent stands alone.
 */
const batchable = (m: Message | undefined): m is Message => m !== undefined && !goesAlone(m);

function runsOf(items: Prepared[]): Prepared[][] {
  const runs: Prepared[][] = [];
  for (const item of items) {
    const last = runs.at(-1);
    const head = last?.[0]?.message;
    if (batchable(item.message) && batchable(head) && last && head.topic === item.message.topic) last.push(item);
    else runs.push([item]);
  }
  return runs;
}

/** What identifies a record's content: two records with one messageId must carry the same. */
function fingerprint(record: SQSRecord): string {
  // Attributes in name order: the same attributes listed in another order are the same record.
  const attributes = isObject(record.messageAttributes) ? Object.entries(record.messageAttributes).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) : null;
  return JSON.stringify([record.body, attributes, record.attributes?.MessageGroupId ?? null]);
}

/**
 * One record per messageId, at the place of its first copy. SQS can hand the same message over
 * twice in one batch; it is sent once and its outcome answers for both (Lambda reports failures
 * by messageId, so the copies cannot be told apart anyway). Copies that differ are not one
 * message: they fail, unsent, and in a FIFO group nothing after them goes either.
 */
function distinct(records: SQSRecord[]): { unique: SQSRecord[]; conflicting: Set<string> } {
  const first = new Map<string, SQSRecord>();
  const conflicting = new Set<string>();
  for (const record of records) {
    const seen = first.get(record.messageId);
    if (!seen) first.set(record.messageId, record);
    else if (fingerprint(seen) !== fingerprint(record)) conflicting.add(record.messageId);
  }
  return { unique: [...first.values()], conflicting };
}

/** Not an SQS event if a record is not an object with a messageId: then nothing is sent at all. */
function malformed(records: unknown[]): boolean {
  return records.some((r) => !isObject(r) || typeof r.messageId !== 'string' || r.messageId === '');
}

/** What the bridge uses of an invocation. */
export type BridgeInvocation = Pick<Invocation, 'send' | 'sendBatchSettled' | 'lookupStored' | 'logger' | 'config' | 'deadline'>;

/** A record SQS has handed over before: its first delivery may have stored it. */
const redelivered = (record: SQSRecord): boolean => Number(record.attributes?.ApproximateReceiveCount) > 1;

/**
 * PUBLISH_ONCE: the redelivered records whose message the brokers hold already (by UNIQ_KEY) are
 * confirmed without sending them again. A lookup that cannot tell leaves the record to be sent: a
 * duplicate with the same UNIQ_KEY, which consumers can drop, rather than a loss.
 */
async function alreadyStored(prepared: Prepared[], invocation: BridgeInvocation): Promise<Set<string>> {
  const found = new Set<string>();
  await Promise.all(
    prepared
      .filter((p) => p.message && redelivered(p.record))
      .map(async (p) => {
        const lookup = await invocation.lookupStored(p.message!.topic, p.message!.id!).catch(() => ({ stored: null, known: false }));
        if (lookup.stored) found.add(p.record.messageId);
      }),
  );
  return found;
}

export async function bridgeRecords(records: SQSRecord[], invocation: BridgeInvocation, config: BridgeConfig): Promise<SQSBatchResponse> {
  const list: unknown[] = Array.isArray(records) ? records : [];
  if (malformed(list)) {
    // Lambda fails the whole batch when an itemIdentifier is empty: every record comes back, and
    // since nothing was sent, nothing is stored twice.
    invocation.logger.error('not an SQS event: a record has no messageId; nothing sent, the whole batch fails');
    const ids = list.map((r) => (isObject(r) && typeof r.messageId === 'string' ? r.messageId : ''));
    return { batchItemFailures: [...new Set(ids)].map((itemIdentifier) => ({ itemIdentifier })) };
  }
  const confirmed = new Set<string>();
  try {
    await send(list as SQSRecord[], invocation, config, confirmed);
  } catch (err) {
    // A defect of ours, not the input's: what was confirmed stays confirmed, the rest is redelivered.
    invocation.logger.error('bridge failed unexpectedly; records not confirmed are reported failed', err as Error);
  }
  // Lambda requires the failures to name records of this batch; keep SQS's order.
  const failed = new Set((list as SQSRecord[]).map((r) => r.messageId).filter((id) => !confirmed.has(id)));
  const batchItemFailures: SQSBatchItemFailure[] = [...failed].map((itemIdentifier) => ({ itemIdentifier }));
  return { batchItemFailures };
}

/** Like Promise.all, but never returns while one of the sends is still running. */
async function all(work: Promise<void>[]): Promise<void> {
  const failure = (await Promise.allSettled(work)).find((r) => r.status === 'rejected');
  if (failure) throw failure.reason;
}

async function send(records: SQSRecord[], invocation: BridgeInvocation, config: BridgeConfig, confirmed: Set<string>): Promise<void> {
  const policy = topicPolicy(invocation.config.allowedTopics, config.targetTopic ? [config.targetTopic] : []);
  const { unique, conflicting } = distinct(records);
  const prepared = unique.map(
    (r): Prepared =>
      conflicting.has(r.messageId)
        ? { record: r, problem: 'two records share this messageId with different content' }
        : toMessage(r, config, policy, invocation.config.traceProperties),
  );
  for (const p of prepared) {
    if (p.problem) invocation.logger.warn('record not bridged', { messageId: p.record.messageId, reason: p.problem });
  }
  // Stored by an earlier delivery: confirmed, and left out (a FIFO group goes on after it).
  const stored = invocation.config.publishOnce ? await alreadyStored(prepared, invocation) : new Set<string>();
  for (const id of stored) confirmed.add(id);
  const pending = prepared.filter((p) => !stored.has(p.record.messageId));
  const options = { refuseClusterTopics: true };
  const settle = (items: Prepared[], outcomes: BatchOutcome[]) =>
    outcomes.forEach((o, i) => {
      const messageId = items[i]!.record.messageId;
      if (o.result) confirmed.add(messageId);
      else invocation.logger.warn('record not confirmed', { messageId, code: o.error?.codeName, reason: o.error?.message });
    });
  const fifo = unique.some((r) => r.attributes?.MessageGroupId);
  /** A run of records of one topic: one settled batch, or one send for a message that goes alone. */
  const sendRun = async (run: Prepared[], stopOnFailure: boolean): Promise<BatchOutcome[]> => {
    const [only] = run;
    if (run.length === 1 && only?.message && goesAlone(only.message)) {
      return [
        await invocation.send(only.message, options).then(
          (result) => ({ result }),
          (error: RocketMQError) => ({ error }),
        ),
      ];
    }
    return invocation.sendBatchSettled(
      run.map((p) => p.message!),
      { ...options, stopOnFailure },
    );
  };

  if (fifo) {
    const groups = groupBy(pending, (p) => p.record.attributes?.MessageGroupId ?? '');
    await all(
      [...groups.values()].map(async (group) => {
        for (const run of runsOf(group)) {
          // Order: nothing of a group goes after a record of it that failed.
          if (!run[0]!.message) return;
          const outcomes = await sendRun(run, true);
          settle(run, outcomes);
          if (outcomes.some((o) => !o.result)) return;
        }
      }),
    );
  } else {
    const sendable = pending.filter((p) => p.message);
    const byTopic = groupBy(
      sendable.filter((p) => !goesAlone(p.message!)),
      (p) => p.message!.topic,
    );
    const runs = [...byTopic.values(), ...sendable.filter((p) => goesAlone(p.message!)).map((p) => [p])];
    await all(runs.map(async (run) => settle(run, await sendRun(run, false))));
  }
}
