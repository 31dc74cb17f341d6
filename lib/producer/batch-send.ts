// Batches (DefaultMQProducer.batch, MessageBatch.generateFromList): one topic, the same
// waitStoreMsgOK, no delay, no retry topic; split so that no request body exceeds the size limit;
// results spread back to one per message (queueOffset + i, ProduceAccumulator.splitSendResults).
// Every rule is checked per message, so a settled batch can fail one message alone; errors name
// the message as `messages[i].<field>`.
import { invalidArgument as invalid, RocketMQError, withField } from '../errors.ts';
import { encodeBatch, batchEntrySize, type BatchEntry } from '../message/batch.ts';
import { checkMessage, delayField, tooLarge, type Message } from '../message/message.ts';
import { encodeProperties, Prop } from '../message/properties.ts';
import { checkPropertiesSize, messageProperties, RETRY_PREFIX, wrapNamespace, type PreparedMessage, type PrepareSettings } from './prepare.ts';
import type { TracedMember } from '../trace/tracer.ts';
import type { SendResult } from './send-result.ts';

export interface PreparedBatch extends PreparedMessage {
  batch: true;
  msgIds: string[];
  /** Per message, what its trace record names. */
  members: TracedMember[];
}

/** One message of a batch, encoded and checked. */
export interface BatchItem {
  entry: BatchEntry;
  msgId: string;
  tags: string | undefined;
  keys: string | undefined;
}

/** The same error, naming the message of the batch it is about. */
export function atIndex(err: unknown, index: number): unknown {
  if (!(err instanceof RocketMQError) || err.context.field === undefined) return err;
  const field = err.context.field === 'message' ? `messages[${index}]` : `messages[${index}].${err.context.field}`;
  return withField(err, field);
}

/** Checks one message against the message and batch rules (`first` sets topic and WAIT) and encodes it. */
export function prepareBatchItem(message: Message, index: number, first: Message, settings: PrepareSettings): BatchItem {
  try {
    const body = checkMessage(message, settings.timerMaxDelayMs);
    if (message.topic !== first.topic) invalid('topic', 'every message of a batch must have the same topic');
    if ((message.waitStoreMsgOK ?? true) !== (first.waitStoreMsgOK ?? true)) invalid('waitStoreMsgOK', 'must be the same for every message of a batch');
    const delay = delayField(message);
    if (delay) invalid(delay, 'a batch cannot carry delayed messages');
    // The broker's batch path applies neither: refused rather than stored without them.
    if (message.priority !== undefined) invalid('priority', 'a batch cannot carry priority messages');
    if (message.liteTopic !== undefined) invalid('liteTopic', 'a batch cannot carry lite topic messages');
    if (message.topic.startsWith(RETRY_PREFIX)) invalid('topic', 'a batch cannot go to a retry topic');
    // A batch goes to one queue: the one of its sharding key, which must then be every message's.
    if (message.shardingKey !== first.shardingKey) invalid('shardingKey', 'must be the same for every message of a batch (or absent from all)');
    if (body.length > settings.maxMessageSize) tooLarge('body', body.length, settings.maxMessageSize, message.topic); // never compressed
    const properties = messageProperties(message, settings);
    const msgId = message.id ?? settings.uniqIds.next();
    properties.set(Prop.UNIQ_KEY, msgId);
    const text = encodeProperties(properties);
    checkPropertiesSize(message, text);
    const entry = { flag: message.flag ?? 0, body, properties: text };
    const size = batchEntrySize(entry);
    if (size > settings.maxMessageSize) tooLarge('body', size, settings.maxMessageSize, message.topic);
    return { entry, msgId, tags: properties.get(Prop.TAGS), keys: properties.get(Prop.KEYS) };
  } catch (err) {
    throw atIndex(err, index);
  }
}

/** Items of one topic grouped into requests of at most maxMessageSize each, in order. */
export function groupBatches(items: BatchItem[], first: Message, settings: PrepareSettings): PreparedBatch[] {
  const groups: BatchItem[][] = [];
  let group: BatchItem[] = [];
  let size = 0;
  for (const item of items) {
    const entrySize = batchEntrySize(item.entry);
    if (size + entrySize > settings.maxMessageSize && group.length > 0) {
      groups.push(group);
      group = [];
      size = 0;
    }
    group.push(item);
    size += entrySize;
  }
  if (group.length > 0) groups.push(group);

  return groups.map((members) => {
    // Differs from Java on purpose: no batch-level UNIQ_KEY. A 5.x broker appends the batch's own
    // properties to every message it stores, so a batch id would shadow each message's UNIQ_KEY
    // for consumers (last one wins when properties are decoded).
    const properties = new Map<string, string>([[Prop.WAIT, first.waitStoreMsgOK === false ? 'false' : 'true']]);
    return {
      topic: first.topic,
      wireTopic: wrapNamespace(settings.namespace, first.topic),
      body: encodeBatch(members.map((i) => i.entry)), // never compressed
      sysFlag: 0,
      flag: 0,
      properties,
      propertiesText: encodeProperties(properties),
      msgId: members.map((i) => i.msgId).join(','),
      reconsumeTimes: 0,
      maxReconsumeTimes: undefined,
      requirement: undefined, // a batch carries no timer, priority or lite topic
      batch: true,
      msgIds: members.map((i) => i.msgId),
      members: members.map((i) => ({ msgId: i.msgId, tags: i.tags, keys: i.keys, bodyLength: i.entry.body.length })),
    };
  });
}

/** The message whose topic and WAIT the batch takes: the first that is a message at all. */
export function batchReference(messages: Message[]): Message {
  return messages.find((m) => m && typeof m === 'object') ?? ({} as Message);
}

/** Checks every batch rule and returns the request(s) to send, in order. Nothing is sent on failure. */
export function prepareBatches(messages: Message[], settings: PrepareSettings): PreparedBatch[] {
  if (!Array.isArray(messages) || messages.length === 0) invalid('messages', 'a batch needs at least one message');
  const first = batchReference(messages);
  return groupBatches(
    messages.map((message, i) => prepareBatchItem(message, i, first, settings)),
    first,
    settings,
  );
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
