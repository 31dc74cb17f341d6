// SQS records to RocketMQ. Every record is accounted for: confirmed stored by a broker, or listed in
// batchItemFailures (SQS then redelivers it, and after maxReceiveCount moves it to the DLQ).
// - target topic: the record's topic attribute, else TARGET_TOPIC;
// - SQS message attributes become user properties; the tags and keys attributes become tags and
//   keys; the SQS messageId is always a key, so consumers can drop redeliveries;
// - records that share a topic go out as batches (as few round trips as the protocol allows);
// - FIFO: the MessageGroupId is the sharding key, records of a group go in order, and after a
//   failure the rest of that group is reported failed so order is kept.
import type { SQSBatchItemFailure, SQSBatchResponse, SQSRecord } from 'aws-lambda';
import type { Invocation } from '../../lib/lambda/engine.ts';
import type { Message } from '../../lib/message/message.ts';
import type { BatchOutcome } from '../../lib/producer/producer.ts';

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

type Prepared = { record: SQSRecord; message?: Message; problem?: string };

export function toMessage(record: SQSRecord, config: BridgeConfig): Prepared {
  const attributes = record.messageAttributes ?? {};
  const text = (name: string) => attributes[name]?.stringValue;
  const topic = text(config.topicAttribute) ?? config.targetTopic;
  if (!topic) return { record, problem: `no topic: neither a "${config.topicAttribute}" attribute nor TARGET_TOPIC` };
  const properties: Record<string, string> = {};
  for (const [name, attribute] of Object.entries(attributes)) {
    if ([config.topicAttribute, config.tagsAttribute, config.keysAttribute].includes(name)) continue;
    if (attribute.stringValue !== undefined) properties[name] = attribute.stringValue;
  }
  const keys = [record.messageId, ...(text(config.keysAttribute)?.split(',').map((k) => k.trim()).filter(Boolean) ?? [])];
  const message: Message = { topic, body: record.body, keys };
  const tags = text(config.tagsAttribute);
  if (tags !== undefined) message.tags = tags;
  if (Object.keys(properties).length > 0) message.properties = properties;
  const group = record.attributes?.MessageGroupId;
  if (group) message.shardingKey = group;
  return { record, message };
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

/**
 * Consecutive sendable records with the same topic: FIFO order allows batching only within such
 * runs. A record that cannot be sent stands alone.
 */
function runsOf(items: Prepared[]): Prepared[][] {
  const runs: Prepared[][] = [];
  for (const item of items) {
    const last = runs.at(-1);
    if (item.message && last?.[0]!.message && last[0].message.topic === item.message.topic) last.push(item);
    else runs.push([item]);
  }
  return runs;
}

export async function bridgeRecords(records: SQSRecord[], invocation: Invocation, config: BridgeConfig): Promise<SQSBatchResponse> {
  const failed = new Set<string>();
  const prepared = records.map((r) => toMessage(r, config));
  for (const p of prepared) {
    if (p.problem) {
      failed.add(p.record.messageId);
      invocation.logger.warn('record not bridged', { messageId: p.record.messageId, reason: p.problem });
    }
  }
  const usable = prepared.filter((p) => p.message);
  const settle = (items: Prepared[], outcomes: BatchOutcome[]) =>
    outcomes.forEach((o, i) => {
      if (o.result) return;
      failed.add(items[i]!.record.messageId);
      invocation.logger.warn('record not confirmed', { messageId: items[i]!.record.messageId, code: o.error?.codeName, reason: o.error?.message });
    });
  const fifo = records.some((r) => r.attributes?.MessageGroupId);

  if (fifo) {
    const groups = groupBy(prepared, (p) => p.record.attributes?.MessageGroupId ?? '');
    await Promise.all(
      [...groups.values()].map(async (group) => {
        let broken = false;
        for (const run of runsOf(group)) {
          if (broken || !run[0]!.message) {
            broken = true; // order: nothing of a group goes after a record of it that failed
            run.forEach((p) => failed.add(p.record.messageId));
            continue;
          }
          const outcomes = await invocation.producer.sendBatchSettled(run.map((p) => p.message!), { deadline: invocation.deadline, stopOnFailure: true });
          settle(run, outcomes);
          broken = outcomes.some((o) => !o.result);
        }
      }),
    );
  } else {
    const byTopic = groupBy(usable, (p) => p.message!.topic);
    await Promise.all(
      [...byTopic.values()].map(async (items) => {
        const outcomes = await invocation.producer.sendBatchSettled(items.map((p) => p.message!), { deadline: invocation.deadline });
        settle(items, outcomes);
      }),
    );
  }
  // Lambda requires the failures to name records of this batch; keep SQS's order.
  const batchItemFailures: SQSBatchItemFailure[] = records.filter((r) => failed.has(r.messageId)).map((r) => ({ itemIdentifier: r.messageId }));
  return { batchItemFailures };
}
