// Batches (DefaultMQProducer.batch, MessageBatch.generateFromList): one topic, the same
// waitStoreMsgOK, no delay, no retry topic; split so that no request body exceeds the size limit;
// results spread back to one per message (queueOffset + i, ProduceAccumulator.splitSendResults).
import { rocketError } from '../errors.ts';
import { encodeBatch, batchEntrySize, type BatchEntry } from '../message/batch.ts';
import { checkMessage, type Message } from '../message/message.ts';
import { encodeProperties, Prop } from '../message/properties.ts';
import { messageProperties, RETRY_PREFIX, wrapNamespace, type PreparedMessage, type PrepareSettings } from './prepare.ts';
import type { SendResult } from './send-result.ts';

export interface PreparedBatch extends PreparedMessage {
  batch: true;
  msgIds: string[];
}

function invalid(field: string, detail: string): never {
  throw rocketError('INVALID_ARGUMENT', `${field}: ${detail}`, { field });
}

/** Checks every batch rule and returns the request(s) to send, in order. Nothing is sent on failure. */
export function prepareBatches(messages: Message[], settings: PrepareSettings, maxMessageSize: number): PreparedBatch[] {
  if (!Array.isArray(messages) || messages.length === 0) invalid('messages', 'a batch needs at least one message');
  const first = messages[0]!;
  const entries: { entry: BatchEntry; msgId: string }[] = messages.map((message, i) => {
    const body = checkMessage(message, maxMessageSize);
    if (message.topic !== first.topic) invalid(`messages[${i}].topic`, 'every message of a batch must have the same topic');
    if ((message.waitStoreMsgOK ?? true) !== (first.waitStoreMsgOK ?? true)) {
      invalid(`messages[${i}].waitStoreMsgOK`, 'must be the same for every message of a batch');
    }
    if (message.delayLevel !== undefined || message.deliverAt !== undefined) invalid(`messages[${i}]`, 'a batch cannot carry delayed messages');
    if (message.topic.startsWith(RETRY_PREFIX)) invalid(`messages[${i}].topic`, 'a batch cannot go to a retry topic');
    const properties = messageProperties(message, settings);
    const msgId = settings.uniqIds.next();
    properties.set(Prop.UNIQ_KEY, msgId);
    return { entry: { flag: message.flag ?? 0, body, properties: encodeProperties(properties) }, msgId };
  });

  const groups: (typeof entries)[] = [];
  let group: typeof entries = [];
  let size = 0;
  for (const item of entries) {
    const entrySize = batchEntrySize(item.entry);
    if (entrySize > maxMessageSize) invalid('messages', `one encoded message takes ${entrySize} bytes, over ${maxMessageSize}`);
    if (size + entrySize > maxMessageSize && group.length > 0) {
      groups.push(group);
      group = [];
      size = 0;
    }
    group.push(item);
    size += entrySize;
  }
  groups.push(group);

  return groups.map((items) => {
    // Differs from Java on purpose: no batch-level UNIQ_KEY. A 5.x broker appends the batch's own
    // properties to every message it stores, so a batch id would shadow each message's UNIQ_KEY
    // for consumers (last one wins when properties are decoded).
    const properties = new Map<string, string>([[Prop.WAIT, first.waitStoreMsgOK === false ? 'false' : 'true']]);
    return {
      topic: first.topic,
      wireTopic: wrapNamespace(settings.namespace, first.topic),
      body: encodeBatch(items.map((i) => i.entry)), // never compressed
      sysFlag: 0,
      flag: 0,
      properties,
      propertiesText: encodeProperties(properties),
      msgId: items.map((i) => i.msgId).join(','),
      reconsumeTimes: 0,
      maxReconsumeTimes: undefined,
      batch: true,
      msgIds: items.map((i) => i.msgId),
    };
  });
}

/** One result per message of the batch. */
export function splitBatchResult(batch: PreparedBatch, result: SendResult): SendResult[] {
  const offsetIds = result.offsetMsgId.split(',');
  return batch.msgIds.map((msgId, i) => ({
    ...result,
    msgId,
    offsetMsgId: offsetIds[i] ?? '',
    queueOffset: result.queueOffset + i,
  }));
}
