// Send hooks (SendMessageHook, CheckForbiddenHook): `before` runs ahead of each attempt, `after`
// once the attempt has a result or an error; a check-forbidden hook throws to stop an attempt.
import type { Message } from '../message/message.ts';
import type { MessageQueue } from '../route/publish-info.ts';
import type { SendResult } from './send-result.ts';

export type SendMode = 'sync' | 'async' | 'oneway';

export interface SendContext {
  producerGroup: string;
  message: Message;
  queue: MessageQueue;
  brokerAddress: string;
  mode: SendMode;
  /** Wire properties of this attempt (UNIQ_KEY included); hooks may read, not change them. */
  properties: ReadonlyMap<string, string>;
  namespace: string | undefined;
  result?: SendResult;
  error?: Error;
}

export interface SendMessageHook {
  name: string;
  before?(context: SendContext): void;
  after?(context: SendContext): void;
}

export type CheckForbiddenHook = (context: SendContext) => void;
