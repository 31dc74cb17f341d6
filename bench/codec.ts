// Codec cost: encode + decode of a SEND_MESSAGE_V2 frame, against the floor of a plain
// Buffer.concat of the same header and body bytes.
import { encodeFrame, decodeFrame } from '../lib/remoting/frame.ts';
import { sendRequest } from '../lib/protocol/send.ts';
import { CLIENT_LANGUAGE, CLIENT_VERSION } from '../lib/remoting/command.ts';

export interface CodecResult {
  size: number;
  oursNsPerOp: number;
  floorNsPerOp: number;
  ratio: number;
}

function timeNs(iterations: number, work: () => void): number {
  for (let i = 0; i < Math.min(2000, iterations); i++) work(); // warm-up
  const started = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) work();
  return Number(process.hrtime.bigint() - started) / iterations;
}

export function runCodec(): CodecResult[] {
  return [128, 1024, 16384].map((size) => {
    const body = Buffer.alloc(size, 97);
    const request = sendRequest(
      {
        producerGroup: 'bench',
        topic: 'TopicTest',
        defaultTopic: 'TBW102',
        defaultTopicQueueNums: 4,
        queueId: 3,
        sysFlag: 0,
        bornTimestamp: Date.now(),
        flag: 0,
        properties: 'WAIT\u0001true\u0002UNIQ_KEY\u0001C0A800010000000000000000000000AB\u0002',
        reconsumeTimes: 0,
        unitMode: false,
        batch: false,
        brokerName: 'broker-a',
      },
      body,
    );
    const command = { ...request, opaque: 1, flag: 0, language: CLIENT_LANGUAGE, version: CLIENT_VERSION };
    const frame = encodeFrame(command);
    const headerBytes = frame.subarray(8, frame.length - size);
    const prefix = frame.subarray(0, 8);
    const iterations = size >= 16384 ? 50_000 : 200_000;
    let sink = 0;
    const ours = timeNs(iterations, () => {
      const encoded = encodeFrame(command);
      sink += decodeFrame(encoded.subarray(4)).opaque;
    });
    const floor = timeNs(iterations, () => {
      const copy = Buffer.concat([prefix, headerBytes, body]);
      sink += copy.length;
    });
    if (sink === -1) console.log(sink);
    return { size, oursNsPerOp: ours, floorNsPerOp: floor, ratio: ours / floor };
  });
}
