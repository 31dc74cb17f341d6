// Transactional messages (DefaultMQProducerImpl.sendMessageInTransaction, endTransaction), in
// steps a Lambda can survive: the half message is sent and described by a HalfMessage, which is
// plain data, so any process of the producer group can end it later (EndTransactionProcessor checks
// only the group and the two offsets). The half message carries TRAN_MSG=true and PGROUP; the
// broker keeps it out of consumers' sight until END_TRANSACTION commits it.
import { invalidArgument, rocketError } from '../errors.ts';
import { decodeOffsetMsgId } from '../protocol/view-message.ts';
import {
  endTransactionRequest,
  parseEndTransactionResponse,
  TransactionType,
  type HalfMessage,
  type TransactionDecision,
} from '../protocol/end-transaction.ts';
import { parseQueryResponse, queryByUniqueKeyRequest } from '../protocol/query-message.ts';
import type { RemotingClient } from '../remoting/remoting-client.ts';
import type { RouteCache } from '../route/route-cache.ts';
import type { SendResult } from './send-result.ts';

export type { HalfMessage, TransactionDecision } from '../protocol/end-transaction.ts';

export function halfMessageOf(result: SendResult, wireTopic: string, producerGroup: string): HalfMessage {
  return {
    topic: result.queue.topic,
    wireTopic,
    brokerName: result.queue.brokerName,
    producerGroup,
    msgId: result.msgId,
    offsetMsgId: result.offsetMsgId,
    commitLogOffset: decodeOffsetMsgId(result.offsetMsgId).commitLogOffset,
    tranStateTableOffset: result.queueOffset,
    // 4.9 brokers leave the response's transactionId empty; the UNIQ_KEY is what 5.x puts there.
    transactionId: result.transactionId ?? result.msgId,
  };
}

export interface EndDeps {
  remoting: RemotingClient;
  routes: RouteCache;
  timeoutMs: number;
}

/**
 * Commits or rolls back a half message at the current master of its broker (the one the store
 * address names when the route no longer knows the broker), and waits for the broker's answer;
 * resolves to the address that answered.
 */
export async function endTransaction(
  deps: EndDeps,
  half: HalfMessage,
  decision: TransactionDecision,
  options: { fromCheck?: boolean; deadline?: number } = {},
): Promise<string> {
  if (decision !== 'COMMIT' && decision !== 'ROLLBACK') {
    invalidArgument('decision', `must be COMMIT or ROLLBACK, not ${String(decision)}`);
  }
  const timeoutMs = Math.min(deps.timeoutMs, (options.deadline ?? Number.POSITIVE_INFINITY) - Date.now());
  if (timeoutMs <= 0) throw rocketError('ACCESS_BROKER_TIMEOUT', 'no time left before the deadline to end the transaction', { topic: half.topic });
  const info = await deps.routes.publishInfo(half.wireTopic, { deadline: Date.now() + timeoutMs }).catch(() => undefined);
  const address = info?.masters.get(half.brokerName) ?? decodeOffsetMsgId(half.offsetMsgId).address;
  const request = endTransactionRequest({
    producerGroup: half.producerGroup,
    tranStateTableOffset: half.tranStateTableOffset,
    commitLogOffset: half.commitLogOffset,
    commitOrRollback: decision === 'COMMIT' ? TransactionType.COMMIT : TransactionType.ROLLBACK,
    fromTransactionCheck: options.fromCheck ?? false,
    msgId: half.msgId,
    transactionId: half.transactionId,
    topic: half.wireTopic,
    brokerName: half.brokerName,
  });
  const response = await deps.remoting.invoke(address, request, Math.max(1, timeoutMs - 0));
  parseEndTransactionResponse(response, address, half.topic);
  return address;
}

/**
 * Whether a committed copy of the half message is in its real topic (QUERY_MESSAGE by UNIQ_KEY at
 * its broker): how a resolver tells a commit that reached the broker before its sender died from
 * one that did not, so it never commits twice (a second COMMIT stores a second copy).
 */
export async function isDelivered(deps: EndDeps, half: HalfMessage, deadline = Number.POSITIVE_INFINITY): Promise<boolean> {
  const timeoutMs = Math.max(1, Math.min(deps.timeoutMs, deadline - Date.now()));
  const info = await deps.routes.publishInfo(half.wireTopic, { deadline: Date.now() + timeoutMs }).catch(() => undefined);
  const address = info?.masters.get(half.brokerName) ?? decodeOffsetMsgId(half.offsetMsgId).address;
  const response = await deps.remoting.invoke(address, queryByUniqueKeyRequest(half.wireTopic, half.msgId), timeoutMs);
  return parseQueryResponse(response, address, half.msgId).some((m) => m.topic === half.wireTopic);
}
