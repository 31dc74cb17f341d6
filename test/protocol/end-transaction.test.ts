// parseEndTransactionResponse (raises for anything but SUCCESS) on the answers a 5.3.3 broker gave
// to END_TRANSACTION: a rollback it took, and one from a group that did not send the half message.
import { describe, expect, it } from 'vitest';
import { parseEndTransactionResponse } from '../../lib/protocol/end-transaction.ts';
import { captured, refusal } from './captured.ts';

describe('the answer to an end of transaction', () => {
  it("parses a rollback the broker took: nothing to return, whatever the success's remark says", () => {
    const { answer, asked } = captured<{ topic: string }>('broker-end-transaction');

    expect([answer.code, answer.remark]).toEqual([0, 'not set any response code']);
    expect(parseEndTransactionResponse(answer, '127.0.0.1:20911', asked.topic)).toBeUndefined();
  });

  it('parses the refusal of another group to a BrokerError with its remark', () => {
    const { answer } = captured('broker-end-transaction-wrong-group');

    const error = refusal(() => parseEndTransactionResponse(answer, '127.0.0.1:20911', 'TopicTest'));

    expect([error.code, error.codeName, error.remark, error.retriable]).toEqual([1, 'SYSTEM_ERROR', 'The producer group wrong', true]);
    expect(error.context).toEqual({ address: '127.0.0.1:20911', topic: 'TopicTest' });
  });
});
