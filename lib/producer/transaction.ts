// Transactional messages (DefaultMQProducerImpl.sendMessageInTransaction, endTransaction), in
// steps a Lambda can survive: the half message is sent and described by a HalfMessage, which is
// plain data, so any process of the producer group can end it later (EndTransactionProcessor checks
// only the group and the two offsets). The half message carries TRAN_MSG=true and PGROUP; the
// broker keeps it out of consumers' sight until END_TRANSACTION commits it.
import { rocketError } from '../errors.ts';
import { decodeOffsetMsgId } from '../protocol/view-message.ts';
import { endTransactionRequest, parseEndTransactionResponse, TransactionType } from '../protocol/end-transaction.ts';
import type { RemotingClient } from '../remoting/remoting-client.ts';
import type { RouteCache } from '../route/route-cache.ts';
import type { SendResult } from './send-result.ts';

/** Everything needed to end a half message later, from anywhere: JSON-safe. */
export interface HalfMessage {
  /** As the caller named it. */
  topic: string;
  /** As sent (with the namespace). */
  wireTopic: string;
  brokerName: string;
  producerGroup: string;
  /** The client id (UNIQ_KEY); consumers see it as the message id once committed. */
  msgId: string;
  offsetMsgId: string;
  commitLogOffset: number;
  /** The offset in RMQ_SYS_TRANS_HALF_TOPIC. */
  tranStateTableOffset: number;
  transactionId: string;
}

export type TransactionDecision = 'COMMIT' | 'ROLLBACK';

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
 * address names when the route no longer knows the broker), and waits for the broker's answer.
 */
export async function endTransaction(
  deps: EndDeps,
  half: HalfMessage,
  decision: TransactionDecision,
  options: { fromCheck?: boolean; deadline?: number } = {},
): Promise<void> {
  if (decision !== 'COMMIT' && decision !== 'ROLLBACK') {
    throw rocketError('INVALID_ARGUMENT', `decision: must be COMMIT or ROLLBACK, not ${String(decision)}`, { field: 'decision' });
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
}
