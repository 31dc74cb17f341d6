// A SEND_MESSAGE_V2 request as our producer writes it (binary header), encoded once for the bench
// clients that write it as is: the raw-socket floor, and the transports compared inside workerd.
import { sendRequest } from '../lib/protocol/send.ts';
import { CLIENT_LANGUAGE, CLIENT_VERSION } from '../lib/remoting/command.ts';
import { encodeBinaryFrame } from '../lib/remoting/frame.ts';

export interface FrameTarget {
  producerGroup: string;
  topic: string;
  brokerName: string;
  queueId: number;
}

/** The whole frame, length prefix included, with `opaque` written in. */
export function sendFrame(to: FrameTarget, properties: string, payload: Buffer, opaque: number): Buffer {
  const request = sendRequest(
    {
      producerGroup: to.producerGroup,
      topic: to.topic,
      defaultTopic: 'TBW102',
      defaultTopicQueueNums: 4,
      queueId: to.queueId,
      sysFlag: 0,
      bornTimestamp: Date.now(),
      flag: 0,
      properties,
      reconsumeTimes: 0,
      unitMode: false,
      batch: false,
      brokerName: to.brokerName,
    },
    payload,
  );
  return encodeBinaryFrame({ ...request, opaque, flag: 0, language: CLIENT_LANGUAGE, version: CLIENT_VERSION });
}
