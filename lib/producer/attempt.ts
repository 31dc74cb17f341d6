// One attempt against one queue (DefaultMQProducerImpl.sendKernelImpl): the broker's address, the
// hooks around it, the SEND_MESSAGE_V2 / V1 / batch request, and the SendResult the response makes.
import { rocketError } from '../errors.ts';
import type { Message } from '../message/message.ts';
import { decodeSendResponse, parseSendResponse, sendRequest } from '../protocol/send.ts';
import type { RequestCommand } from '../remoting/command.ts';
import type { RemotingClient } from '../remoting/remoting-client.ts';
import type { MessageTracer } from '../trace/tracer.ts';
import type { MessageQueue, TopicPublishInfo } from '../route/publish-info.ts';
import type { RouteCache } from '../route/route-cache.ts';
import type { PreparedBatch } from './batch-send.ts';
import { checkBrokerVersion } from './broker-features.ts';
import type { HeartbeatScheduler } from './heartbeats.ts';
import type { SendContext, SendMode } from './hooks.ts';
import type { ResolvedOptions } from './options.ts';
import { unwrapNamespace, type PreparedMessage } from './prepare.ts';
import type { SendResult } from './send-result.ts';

export type Prepared = PreparedMessage | PreparedBatch;

export interface AttemptDeps {
  options: ResolvedOptions;
  remoting: RemotingClient;
  routes: RouteCache;
  heartbeats: HeartbeatScheduler;
  /** Message trace, when on: told of every send a broker answered. */
  tracer?: MessageTracer | null;
}

export interface AttemptTarget {
  queue: MessageQueue;
  info: TopicPublishInfo;
  mode: SendMode;
  /** What is left of the send's budget for this attempt. */
  timeoutMs: number;
  /** The caller's deadline, which work beside the send (a heartbeat) must not pass. */
  deadline: number | undefined;
}

/** MixAll.brokerVIPChannel: the VIP channel listens on the broker port minus 2. */
export function vipChannel(address: string): string {
  const at = address.lastIndexOf(':');
  return `${address.slice(0, at)}:${Number(address.slice(at + 1)) - 2}`;
}

/** The SEND_MESSAGE request of a prepared message to one queue, on behalf of `producerGroup`. */
export function sendRequestFor(o: ResolvedOptions, prepared: Prepared, queue: MessageQueue, producerGroup: string): RequestCommand {
  return sendRequest(
    {
      producerGroup,
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
      batch: 'batch' in prepared && prepared.batch,
      brokerName: queue.brokerName,
    },
    prepared.body,
    o.sendMessageHeader,
  );
}

/** Resolves to the SendResult, or undefined for oneway (only written, never answered). */
export async function attemptSend(deps: AttemptDeps, prepared: Prepared, message: Message, target: AttemptTarget): Promise<SendResult | undefined> {
  const { options: o, remoting } = deps;
  const { queue, info, mode } = target;
  const began = Date.now();
  let address = info.masters.get(queue.brokerName);
  if (!address) {
    // The broker is not in this route (yet): refresh once, as findBrokerAddressInPublish's caller does.
    const refreshed = await deps.routes.refresh(prepared.wireTopic, { deadline: began + target.timeoutMs }).catch(() => info);
    address = refreshed.masters.get(queue.brokerName);
  }
  if (!address) throw rocketError('BROKER_NOT_EXIST_EXCEPTION', `The broker[${queue.brokerName}] not exist`, { topic: prepared.topic });
  if (o.vipChannelEnabled) address = vipChannel(address);
  const need = prepared.requirement;
  if (need) {
    const broker = { address, brokerName: queue.brokerName, topic: prepared.topic };
    await checkBrokerVersion(remoting, deps.heartbeats, broker, need, target.timeoutMs);
  }
  // What the route refresh and the version check left of the attempt's budget.
  const timeoutMs = Math.max(1, target.timeoutMs - (Date.now() - began));

  // The hooks' context is made only when there are hooks: most producers have none.
  const hooked = o.checkForbiddenHooks.length > 0 || o.sendMessageHooks.length > 0;
  const context: SendContext | undefined = hooked
    ? {
        producerGroup: o.producerGroup,
        message,
        queue: { ...queue, topic: prepared.topic },
        brokerAddress: address,
        mode,
        properties: prepared.properties,
        namespace: o.namespace,
      }
    : undefined;
  if (context) {
    for (const hook of o.checkForbiddenHooks) hook(context);
    for (const hook of o.sendMessageHooks) hook.before?.(context);
  }
  const request = sendRequestFor(o, prepared, queue, o.producerGroup);
  const startedAt = Date.now();
  try {
    if (mode === 'oneway') {
      await remoting.invokeOneway(address, request);
      if (context) for (const hook of o.sendMessageHooks) hook.after?.(context);
      return undefined;
    }
    const response = await remoting.invoke(address, request, timeoutMs);
    deps.heartbeats.ifDue(address, target.deadline);
    const stored = parseSendResponse(decodeSendResponse(response), address, prepared.topic);
    const result: SendResult = {
      status: stored.status,
      msgId: prepared.msgId, // a batch's is its messages' ids joined by commas
      offsetMsgId: stored.offsetMsgId,
      queue: { topic: unwrapNamespace(o.namespace, prepared.wireTopic), brokerName: queue.brokerName, queueId: stored.queueId },
      queueOffset: stored.queueOffset,
      regionId: stored.regionId,
      traceOn: stored.traceOn,
    };
    if (stored.transactionId) result.transactionId = stored.transactionId;
    if (stored.recallHandle) result.recallHandle = stored.recallHandle;
    deps.tracer?.sent(prepared, address, startedAt, result);
    if (context) {
      context.result = result;
      for (const hook of o.sendMessageHooks) hook.after?.(context);
    }
    return result;
  } catch (err) {
    if (context) {
      context.error = err as Error;
      for (const hook of o.sendMessageHooks) hook.after?.(context);
    }
    throw err;
  }
}
