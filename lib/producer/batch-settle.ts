// A batch whose every message is accounted for (the SQS bridge's path): stored, with its result,
// or failed, with why. A message that breaks a message or batch rule fails alone, before anything
// is sent; a request that fails fails its own messages only, or, with `stopOnFailure` (ordered
// input), every message after it too, unsent.
import { asRocketError, type RocketMQError, rocketError } from '../errors.ts';
import type { Message } from '../message/message.ts';
import type { BatchOutcome, SettledBatchOptions } from './api.ts';
import { batchReference, groupBatches, prepareBatchItem, splitBatchResult, type BatchItem, type PreparedBatch } from './batch-send.ts';
import type { PrepareSettings } from './prepare.ts';
import type { SendResult } from './send-result.ts';

/** A message not sent because one before it (in an ordered batch) failed. */
function skipped(cause: unknown): RocketMQError {
  return rocketError('NOT_SENT', undefined, {}, cause);
}

export async function settleBatch(
  messages: Message[],
  options: SettledBatchOptions,
  settings: PrepareSettings,
  send: (batch: PreparedBatch, first: Message) => Promise<SendResult>,
): Promise<BatchOutcome[]> {
  const outcomes: BatchOutcome[] = messages.map(() => ({}));
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
      const results = splitBatchResult(batch, await send(batch, messages[members[0]!]!));
      for (const [k, i] of members.entries()) outcomes[i] = { result: results[k]! };
    } catch (err) {
      for (const i of members) outcomes[i] = { error: asRocketError(err) };
      if (options.stopOnFailure) failed = err;
    }
  }
  return outcomes;
}
