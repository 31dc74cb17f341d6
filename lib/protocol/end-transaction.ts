// END_TRANSACTION (37), client -> broker (EndTransactionRequestHeader), ends a half message:
//   producerGroup         must equal the half message's PGROUP
//   tranStateTableOffset  the half message's offset in RMQ_SYS_TRANS_HALF_TOPIC (its queueOffset)
//   commitLogOffset       its commit-log offset (the last 8 bytes of its offset msgId)
//   commitOrRollback      8 commit, 12 rollback (MessageSysFlag; 0, "unknown", is never sent here)
//   fromTransactionCheck  true when answering CHECK_TRANSACTION_STATE
//   msgId                 its UNIQ_KEY (required to decode, not checked)
//   transactionId, topic (5.3+: ACL 2.0 authorizes Pub on it), bname (4.9.5+)
// Java sends it oneway; we ask for the answer (EndTransactionProcessor gives one to a request that
// is not oneway), so an end that did not take effect is reported, not assumed.
import { BrokerError } from '../errors.ts';
import { RequestCode, ResponseCode } from '../remoting/codes.ts';
import type { RemotingCommand, RequestCommand } from '../remoting/command.ts';

export const TransactionType = { COMMIT: 8, ROLLBACK: 12 } as const;

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

export interface EndTransactionHeader {
  producerGroup: string;
  tranStateTableOffset: number;
  commitLogOffset: number;
  commitOrRollback: (typeof TransactionType)[keyof typeof TransactionType];
  fromTransactionCheck: boolean;
  msgId: string;
  transactionId?: string;
  topic?: string;
  brokerName?: string;
}

export function endTransactionRequest(header: EndTransactionHeader): RequestCommand {
  const extFields: Record<string, string> = {
    producerGroup: header.producerGroup,
    tranStateTableOffset: String(header.tranStateTableOffset),
    commitLogOffset: String(header.commitLogOffset),
    commitOrRollback: String(header.commitOrRollback),
    fromTransactionCheck: String(header.fromTransactionCheck),
    msgId: header.msgId,
  };
  if (header.transactionId) extFields.transactionId = header.transactionId;
  if (header.topic) extFields.topic = header.topic;
  if (header.brokerName) extFields.bname = header.brokerName;
  return { code: RequestCode.END_TRANSACTION, extFields };
}

/** Throws the broker's refusal ("Find prepared transaction message failed", 604 too late, ...). */
export function parseEndTransactionResponse(response: RemotingCommand, address: string, topic: string): void {
  if (response.code !== ResponseCode.SUCCESS) throw new BrokerError(response.code, response.remark, { address, topic });
}
