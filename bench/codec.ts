// Codec cost of one send as the client pays it: encode the SEND_MESSAGE_V2 request frame (with the
// ROCKETMQ binary header we write by default, and with JSON) and decode the broker's response frame
// (a 5.3.3 broker's JSON header, as captured), against the floor of plain Buffer.concat copies of
// the same bytes.
import { encodeBinaryFrame, encodeJsonFrame, decodeFrame } from '../lib/remoting/frame.ts';
import { sendRequest } from '../lib/protocol/send.ts';
import { CLIENT_LANGUAGE, CLIENT_VERSION } from '../lib/remoting/command.ts';

export interface CodecResult {
  size: number;
  /** Encode (ROCKETMQ header, the default) + decode. */
  oursNsPerOp: number;
  /** The same with a JSON request header. */
  jsonNsPerOp: number;
  encodeBinaryNsPerOp: number;
  encodeJsonNsPerOp: number;
  decodeNsPerOp: number;
  floorNsPerOp: number;
  /** oursNsPerOp over the floor. */
  ratio: number;
  jsonRatio: number;
}

/** What a 5.3.3 broker answers a send with (header only; a send response has no body). */
const RESPONSE_HEADER =
  '{"code":0,"extFields":{"queueId":"0","transactionId":"C0A800010000000000000000000000AB","msgId":"7F000001000051AF0000000000000000",' +
  '"TRACE_ON":"true","MSG_REGION":"DefaultRegion","queueOffset":"0"},"flag":1,"language":"JAVA","opaque":2,"serializeTypeCurrentRPC":"JSON","version":453}';

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
    const frame = encodeBinaryFrame(command);
    const headerBytes = frame.subarray(8, frame.length - size);
    const prefix = frame.subarray(0, 8);
    const response = Buffer.from(RESPONSE_HEADER);
    const responseFrame = Buffer.alloc(4 + response.length);
    responseFrame.writeUInt32BE(response.length, 0); // serialize type JSON (0) and the header length
    response.copy(responseFrame, 4);
    const iterations = size >= 16384 ? 50_000 : 200_000;
    let sink = 0;
    const encodeBinary = () => (sink += encodeBinaryFrame(command).length);
    const encodeJson = () => (sink += encodeJsonFrame(command).length);
    const decode = () => (sink += decodeFrame(responseFrame).opaque);
    const ours = timeNs(iterations, () => {
      encodeBinary();
      decode();
    });
    const json = timeNs(iterations, () => {
      encodeJson();
      decode();
    });
    const floor = timeNs(iterations, () => {
      const copy = Buffer.concat([prefix, headerBytes, body]);
      sink += copy.length + Buffer.concat([responseFrame]).length;
    });
    const parts = {
      encodeBinaryNsPerOp: timeNs(iterations, encodeBinary),
      encodeJsonNsPerOp: timeNs(iterations, encodeJson),
      decodeNsPerOp: timeNs(iterations, decode),
    };
    if (sink === -1) console.log(sink);
    return { size, oursNsPerOp: ours, jsonNsPerOp: json, ...parts, floorNsPerOp: floor, ratio: ours / floor, jsonRatio: json / floor };
  });
}
