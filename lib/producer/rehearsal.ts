// The init phase's rehearsal of a send, sending nothing: the pure part of the send path (message
// checks, properties, unique id, compression check, request header, frame encoding, send response
// reading) run once on a made-up message, so that V8 has compiled it before the first real send.
// A function is compiled on its first call; this moves that cost from the first invocation into
// the init phase. Frame decoding needs no rehearsal: the route and heartbeat answers of the init
// phase went through it. Nothing here touches a socket, a route, the fault table or the
// producer's ids.
import { checkMessage } from '../message/message.ts';
import { UniqIdGenerator } from '../message/uniq-id.ts';
import { decodeSendResponse, parseSendResponse } from '../protocol/send.ts';
import { CLIENT_LANGUAGE, CLIENT_VERSION, SerializeType, type RemotingCommand } from '../remoting/command.ts';
import { encodeFrameAs } from '../remoting/frame.ts';
import { sendRequestFor } from './attempt.ts';
import type { ResolvedOptions } from './options.ts';
import { prepareMessage, type PrepareSettings } from './prepare.ts';

/** What a 5.3.3 broker answers a send with, as decoded. */
const RESPONSE: RemotingCommand = {
  code: 0,
  language: 'JAVA',
  version: 479,
  opaque: 0,
  flag: 1,
  extFields: { queueId: '0', msgId: '7F00000100002A9F0000000000000000', MSG_REGION: 'DefaultRegion', TRACE_ON: 'true', queueOffset: '0' },
};

/** Returns the frame it would have sent, so what it ran can be checked. */
export function rehearseSend(options: ResolvedOptions, settings: PrepareSettings): Buffer {
  const message = { topic: 'rehearsal', body: 'rehearsal', tags: 'tag', keys: ['key'], properties: { rehearsal: 'true' } };
  const body = checkMessage(message, options.timerMaxDelayMs);
  const prepared = prepareMessage(message, body, { ...settings, uniqIds: new UniqIdGenerator('127.0.0.1', 0, 0, 0) });
  const request = sendRequestFor(options, prepared, { topic: prepared.wireTopic, brokerName: 'rehearsal', queueId: 0 }, options.producerGroup);
  const frame = encodeFrameAs(SerializeType[options.serializeType], { ...request, opaque: 0, language: CLIENT_LANGUAGE, version: CLIENT_VERSION, flag: 0 });
  parseSendResponse(decodeSendResponse(RESPONSE), 'rehearsal', prepared.topic);
  return frame;
}
