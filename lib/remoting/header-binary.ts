// ROCKETMQ binary header (serialize type 1), RocketMQSerializable.java:
//   int16 code | int8 language | int16 version | int32 opaque | int32 flag
//   | int32 remarkLength | remark UTF-8 | int32 extLength | ext entries
// each ext entry: int16 keyLength | key UTF-8 | int32 valueLength | value UTF-8.
// A zero length reads as absent. A broker answers in this format when it runs with
// rocketmq.serialize.type=ROCKETMQ, whatever format the request used.
import { BufferReader } from './buffer-reader.ts';
import { BufferWriter } from './buffer-writer.ts';
import { LanguageCode, languageName, type LanguageName } from './codes.ts';
import type { RemotingCommand } from './command.ts';

export function decodeBinaryHeader(reader: BufferReader): RemotingCommand {
  const code = reader.int16();
  const language = languageName(reader.int8());
  const version = reader.int16();
  const opaque = reader.int32();
  const flag = reader.int32();
  const remarkLength = reader.int32();
  const remark = remarkLength > 0 ? reader.utf8(remarkLength) : undefined;
  const extLength = reader.int32();
  const extFields: Record<string, string> = {};
  if (extLength > 0) {
    const ext = new BufferReader(reader.bytes(extLength));
    while (ext.remaining > 0) {
      const key = ext.utf8(ext.int16());
      extFields[key] = ext.utf8(ext.int32());
    }
  }
  const command: RemotingCommand = { code, language, version, opaque, flag, extFields };
  if (remark !== undefined) command.remark = remark;
  return command;
}

/** Used by tests and fake brokers to speak as a ROCKETMQ-serializing broker does. */
export function encodeBinaryHeader(command: RemotingCommand): Buffer {
  const writer = new BufferWriter(256);
  writer.int16(command.code);
  writer.int8(LanguageCode[command.language as LanguageName] ?? LanguageCode.OTHER);
  writer.int16(command.version);
  writer.int32(command.opaque);
  writer.int32(command.flag);
  if (command.remark) {
    const at = writer.reserve(4);
    writer.patchInt32(at, writer.utf8(command.remark));
  } else {
    writer.int32(0);
  }
  const extAt = writer.reserve(4);
  const extStart = writer.length;
  for (const [key, value] of Object.entries(command.extFields)) {
    writer.int16(Buffer.byteLength(key));
    writer.utf8(key);
    writer.int32(Buffer.byteLength(value));
    writer.utf8(value);
  }
  writer.patchInt32(extAt, writer.length - extStart);
  return writer.flush();
}
