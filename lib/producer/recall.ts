// Recalling a timer message (DefaultMQProducer.recallMessage, 5.3.2+): what can be refused here is
// refused before anything is sent (a malformed handle, one of another topic, one already due); the
// request goes to the master of the broker the handle names (through a Proxy, with its name as
// bname); the broker's refusals become stable codes: recall switched off (16 with its remark, not
// an ACL refusal), a server before 5.3.2 (3), a handle that came due on the way (604 "timestamp").
import { BrokerError, invalidArgument, isAccessDenied, rocketError } from '../errors.ts';
import { checkTopic } from '../message/message.ts';
import { decodeRecallHandle, recallRequest } from '../protocol/recall.ts';
import { ResponseCode } from '../remoting/codes.ts';
import type { RemotingClient } from '../remoting/remoting-client.ts';
import type { RouteCache } from '../route/route-cache.ts';
import { checkBrokerVersion } from './broker-features.ts';
import type { HeartbeatScheduler } from './heartbeats.ts';
import { unwrapNamespace, wrapNamespace } from './prepare.ts';

export interface RecallDeps {
  remoting: RemotingClient;
  routes: RouteCache;
  heartbeats: HeartbeatScheduler;
  producerGroup: string;
  namespace: string | undefined;
  timeoutMs: number;
}

export interface RecallOptions {
  /** This recall's budget; default sendMsgTimeout. */
  timeoutMs?: number;
  /** Epoch ms the recall never runs past. */
  deadline?: number;
}

export interface RecallResult {
  /** The UNIQ_KEY of the recalled message, as the broker gives it back. */
  msgId: string;
}

const REQUIREMENT = { feature: 'recall', version: '5.3.2' } as const;

export async function recallMessage(deps: RecallDeps, topic: string, handle: string, options: RecallOptions = {}): Promise<RecallResult> {
  checkTopic(topic);
  const decoded = decodeRecallHandle(handle);
  if (typeof decoded === 'string') invalidArgument('recallHandle', decoded, { topic });
  const wireTopic = wrapNamespace(deps.namespace, topic);
  if (decoded.topic !== wireTopic) invalidArgument('recallHandle', `belongs to topic ${unwrapNamespace(deps.namespace, decoded.topic)}`, { topic });
  const started = Date.now();
  if (decoded.deliverAt <= started) {
    throw rocketError('RECALL_EXPIRED', `too late to recall: the message was due at ${new Date(decoded.deliverAt).toISOString()}`, { topic });
  }
  const deadline = Math.min(started + (options.timeoutMs ?? deps.timeoutMs), options.deadline ?? Number.POSITIVE_INFINITY);
  const info = await deps.routes.publishInfo(wireTopic, { deadline });
  const address = info.masters.get(decoded.brokerName);
  if (!address) throw rocketError('BROKER_NOT_EXIST_EXCEPTION', `The broker[${decoded.brokerName}] not exist`, { topic });
  const broker = { address, brokerName: decoded.brokerName, topic };
  await checkBrokerVersion(deps.remoting, deps.heartbeats, broker, REQUIREMENT, Math.max(1, deadline - Date.now()));
  const request = recallRequest(deps.producerGroup, wireTopic, handle, decoded.brokerName);
  const response = await deps.remoting.invoke(address, request, Math.max(1, deadline - Date.now()));
  const { code, remark } = response;
  if (code === ResponseCode.SUCCESS) return { msgId: response.extFields.msgId || decoded.uniqKey };
  const context = { address, topic };
  if (code === ResponseCode.NO_PERMISSION && !isAccessDenied(code, remark)) {
    throw rocketError('RECALL_DISABLED', `${broker.brokerName} has recall switched off (recallMessageEnable=false): ${remark ?? ''}`.trim(), context);
  }
  if (code === ResponseCode.REQUEST_CODE_NOT_SUPPORTED) {
    throw rocketError('UNSUPPORTED_BY_BROKER', `recall needs RocketMQ ${REQUIREMENT.version} or later; ${broker.brokerName} does not know it`, context);
  }
  if (code === ResponseCode.ILLEGAL_OPERATION && remark?.includes('timestamp invalid')) {
    throw rocketError('RECALL_EXPIRED', `too late to recall: ${remark}`, context);
  }
  throw new BrokerError(code, remark, context);
}
