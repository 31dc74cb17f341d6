// decodeSendResponse (pure: every code decodes) and parseSendResponse (raises for a code that does
// not mean "stored") on the answers a 5.3.3 broker gave to SEND_MESSAGE_V2.
import { describe, expect, it } from 'vitest';
import { decodeOffsetMsgId } from '../../lib/internal.ts';
import { decodeSendResponse, parseSendResponse } from '../../lib/protocol/send.ts';
import { captured, refusal } from './captured.ts';

interface Sent {
  topic: string;
  queueId: number;
  uniqKey: string;
  address: string;
}

describe('the answer to a send', () => {
  const { answer, asked } = captured<Sent>('broker-send');
  // The view of the same message, asked for by the commit-log offset in this answer's msgId.
  const viewed = captured<{ queueOffset: number }>('broker-view').asked;

  it('decodes to where the broker stored the message: its offset id, the queue asked, the queue offset', () => {
    const decoded = decodeSendResponse(answer);

    expect(decoded).toEqual({
      code: 0,
      status: 'SEND_OK',
      offsetMsgId: answer.extFields.msgId,
      queueId: asked.queueId,
      queueOffset: viewed.queueOffset,
      regionId: 'DefaultRegion',
      traceOn: true,
      transactionId: asked.uniqKey,
    });
    expect(decodeOffsetMsgId(decoded.offsetMsgId).address).toBe(asked.address);
  });

  it('parses to the stored result', () => {
    const decoded = decodeSendResponse(answer);

    expect(parseSendResponse(decoded, asked.address, asked.topic)).toEqual({ ...decoded, status: 'SEND_OK' });
  });

  it("decodes a half message's answer with its transaction id, the message's UNIQ_KEY", () => {
    const half = captured<{ uniqKey: string }>('broker-send-half');

    expect(decodeSendResponse(half.answer)).toMatchObject({ code: 0, status: 'SEND_OK', transactionId: half.asked.uniqKey });
  });
});

describe('the refusal of a send', () => {
  const { answer, asked } = captured<{ topic: string }>('broker-send-forbidden-topic');

  it('decodes without throwing: the code and the remark, no status, no position', () => {
    expect(decodeSendResponse(answer)).toEqual({
      code: 16,
      remark: `Sending message to topic[${asked.topic}] is forbidden.`,
      offsetMsgId: '',
      queueId: -1,
      queueOffset: -1,
      regionId: 'DefaultRegion',
      traceOn: true,
    });
  });

  it('parses to a BrokerError with the code, the remark, the address and the topic', () => {
    const error = refusal(() => parseSendResponse(decodeSendResponse(answer), '127.0.0.1:20911', asked.topic));

    expect([error.code, error.codeName, error.remark]).toEqual([16, 'NO_PERMISSION', `Sending message to topic[${asked.topic}] is forbidden.`]);
    expect(error.context).toEqual({ address: '127.0.0.1:20911', topic: asked.topic });
  });
});
