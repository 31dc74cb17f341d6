import type { SendStatus } from '../protocol/send.ts';
import type { MessageQueue } from '../route/publish-info.ts';

export interface SendResult {
  status: SendStatus;
  /** The client message id (UNIQ_KEY). */
  msgId: string;
  /** The broker's offset message id (store host + commit-log offset). */
  offsetMsgId: string;
  /** Topic without namespace, broker name, queue id. */
  queue: MessageQueue;
  queueOffset: number;
  transactionId?: string;
  /** 5.3.2+, a timer message only (deliverAt, delaySeconds, delayMs): what `producer.recall` takes to take it back before it is due. */
  recallHandle?: string;
  regionId: string;
  traceOn: boolean;
}
