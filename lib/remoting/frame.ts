// The RocketMQ frame, big-endian (RemotingCommand.encode / decode, NettyDecoder):
//   int32 length (of everything after it) | int8 serializeType | int24 headerLength
//   | header (JSON or ROCKETMQ binary) | body (the rest)
// We always write JSON headers and read both kinds: a broker answers in its own configured format.
import { BufferReader } from './buffer-reader.ts';
import { BufferWriter } from './buffer-writer.ts';
import { SerializeType, type RemotingCommand } from './command.ts';
import { decodeBinaryHeader, encodeBinaryHeader } from './header-binary.ts';
import { jsonHeader, parseJsonHeader } from './header-json.ts';
import { rocketError } from '../errors.ts';

/** com.rocketmq.remoting.frameMaxLength: Netty checks it against the whole frame, prefix included. */
export const MAX_FRAME_LENGTH = 16 * 1024 * 1024;

const defaultWriter = new BufferWriter();

export function encodeFrame(command: RemotingCommand, writer: BufferWriter = defaultWriter): Buffer {
  const lengthAt = writer.reserve(8);
  const headerStart = writer.length;
  writer.utf8(jsonHeader(command));
  const headerLength = writer.length - headerStart;
  if (command.body) writer.bytes(command.body);
  writer.patchInt32(lengthAt, writer.length - 4);
  writer.patchUint32(lengthAt + 4, (SerializeType.JSON << 24) | headerLength);
  return writer.flush();
}

/** A frame with a ROCKETMQ binary header; for tests and fake brokers. */
export function encodeBinaryFrame(command: RemotingCommand): Buffer {
  const header = encodeBinaryHeader(command);
  const body = command.body ?? Buffer.alloc(0);
  const prefix = Buffer.allocUnsafe(8);
  prefix.writeInt32BE(4 + header.length + body.length, 0);
  prefix.writeUInt32BE(((SerializeType.ROCKETMQ << 24) | header.length) >>> 0, 4);
  return Buffer.concat([prefix, header, body]);
}

/**
 * Decodes what follows the length prefix. Malformed bytes throw a PROTOCOL_ERROR; a response code,
 * whatever it is, never does (turning codes into errors is the caller's second step).
 */
export function decodeFrame(frame: Buffer): RemotingCommand {
  if (frame.length < 4) throw rocketError('PROTOCOL_ERROR', `frame of ${frame.length} bytes has no header length`);
  const typeAndLength = frame.readUInt32BE(0);
  const serializeType = typeAndLength >>> 24;
  const headerLength = typeAndLength & 0xffffff;
  if (headerLength > frame.length - 4) {
    throw rocketError('PROTOCOL_ERROR', `header length ${headerLength} exceeds frame of ${frame.length} bytes`);
  }
  let header: RemotingCommand;
  try {
    if (serializeType === SerializeType.JSON) {
      header = parseJsonHeader(frame.toString('utf8', 4, 4 + headerLength));
    } else if (serializeType === SerializeType.ROCKETMQ) {
      header = decodeBinaryHeader(new BufferReader(frame, 4, 4 + headerLength));
    } else {
      throw new TypeError(`unknown serialize type ${serializeType}`);
    }
  } catch (err) {
    throw rocketError('PROTOCOL_ERROR', `undecodable header: ${(err as Error).message}`, {}, err);
  }
  header.serializeType = serializeType as RemotingCommand['serializeType'];
  if (frame.length > 4 + headerLength) header.body = frame.subarray(4 + headerLength);
  return header;
}
