// The RocketMQ frame, big-endian (RemotingCommand.encode / decode, NettyDecoder):
//   int32 length (of everything after it) | int8 serializeType | int24 headerLength
//   | header (JSON or ROCKETMQ binary) | body (the rest)
// We write either kind (ROCKETMQ by default: smaller, and cheaper to write than JSON) and read
// both: a server answers in the format it is configured for, whatever the request used.
import { BufferReader } from './buffer-reader.ts';
import { BufferWriter } from './buffer-writer.ts';
import { SerializeType, type RemotingCommand, type SerializeTypeCode } from './command.ts';
import { binaryHeaderBound, decodeBinaryHeader, put32, writeBinaryHeader } from './header-binary.ts';
import { jsonHeader, parseJsonHeader } from './header-json.ts';
import { rocketError } from '../errors.ts';

/** com.rocketmq.remoting.frameMaxLength: Netty checks it against the whole frame, prefix included. */
export const MAX_FRAME_LENGTH = 16 * 1024 * 1024;

const defaultWriter = new BufferWriter();

/** A frame with a JSON header, whatever the header holds. */
export function encodeJsonFrame(command: RemotingCommand, writer: BufferWriter = defaultWriter): Buffer {
  const lengthAt = writer.reserve(8);
  const headerStart = writer.length;
  writer.utf8(jsonHeader(command));
  const headerLength = writer.length - headerStart;
  if (command.body) writer.bytes(command.body);
  writer.patchInt32(lengthAt, writer.length - 4);
  writer.patchUint32(lengthAt + 4, (SerializeType.JSON << 24) | headerLength);
  return writer.flush();
}

/** A frame with a ROCKETMQ binary header, whatever the header holds (tests, fake brokers). */
export function encodeBinaryFrame(command: RemotingCommand): Buffer {
  return binaryFrame(command, binaryHeaderBound(command, false));
}

/** One allocation of the frame's largest size, the body copied in once. */
function binaryFrame(command: RemotingCommand, headerBound: number): Buffer {
  const body = command.body;
  const bodyLength = body ? body.length : 0;
  const out = Buffer.allocUnsafe(8 + headerBound + bodyLength);
  const headerEnd = writeBinaryHeader(out, 8, command);
  if (body) out.set(body, headerEnd);
  const end = headerEnd + bodyLength;
  put32(out, 0, end - 4);
  put32(out, 4, (SerializeType.ROCKETMQ << 24) | (headerEnd - 8));
  return end === out.length ? out : out.subarray(0, end);
}

/**
 * The frame in the format asked for. A header the binary format cannot carry as JSON does
 * (binaryHeaderBound says which) goes as JSON whatever was asked.
 */
export function encodeFrameAs(format: SerializeTypeCode, command: RemotingCommand, writer: BufferWriter = defaultWriter): Buffer {
  if (format === SerializeType.ROCKETMQ) {
    const bound = binaryHeaderBound(command);
    if (bound >= 0) return binaryFrame(command, bound);
  }
  return encodeJsonFrame(command, writer);
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
