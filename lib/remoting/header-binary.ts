// ROCKETMQ binary header (serialize type 1), RocketMQSerializable.java:
//   int16 code | int8 language | int16 version | int32 opaque | int32 flag
//   | int32 remarkLength | remark UTF-8 | int32 extLength | ext entries
// each ext entry: int16 keyLength | key UTF-8 | int32 valueLength | value UTF-8.
// A zero length reads as absent. A broker answers in this format when it runs with
// rocketmq.serialize.type=ROCKETMQ, whatever format the request used.
import { BufferReader } from './buffer-reader.ts';
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

/**
 * Bytes a header can take at most (every UTF-16 unit is at most 3 UTF-8 bytes), found in the same
 * pass that tells whether the binary form carries the header as JSON does; -1 when it does not: an
 * empty key, value or remark (a zero length reads back as null on the server, and a required field
 * that is null fails the request, while JSON keeps "" as "") or a value that is not a string (JSON
 * leaves out an undefined one and writes a number as a number). `faithfulOnly` false skips that test.
 */
export function binaryHeaderBound(command: RemotingCommand, faithfulOnly = true): number {
  const remark = command.remark;
  if (faithfulOnly && remark === '') return -1;
  let bound = 21 + (remark ? remark.length * 3 : 0);
  const ext = command.extFields as Record<string, unknown>;
  for (const key in ext) {
    const value = ext[key];
    if (faithfulOnly && (key === '' || typeof value !== 'string' || value === '')) return -1;
    bound += 6 + 3 * (key.length + (value as string).length);
  }
  return bound;
}

/**
 * Writes the header at `start` (with `binaryHeaderBound` bytes free) and returns where it ends.
 * Byte stores rather than Buffer write calls: a send header is two dozen short fields, and one
 * native call per field cost more than the whole JSON header.
 */
export function writeBinaryHeader(buf: Buffer, start: number, command: RemotingCommand): number {
  const { code, version } = command;
  buf[start] = code >>> 8;
  buf[start + 1] = code;
  buf[start + 2] = LanguageCode[command.language as LanguageName] ?? LanguageCode.OTHER;
  buf[start + 3] = version >>> 8;
  buf[start + 4] = version;
  put32(buf, start + 5, command.opaque);
  put32(buf, start + 9, command.flag);
  let at = start + 17;
  at = command.remark ? putText(buf, at, command.remark) : at;
  put32(buf, start + 13, at - start - 17);
  const extAt = at;
  at += 4;
  const ext = command.extFields;
  for (const key in ext) {
    const keyAt = at + 2;
    at = putText(buf, keyAt, key);
    buf[keyAt - 2] = (at - keyAt) >>> 8;
    buf[keyAt - 1] = at - keyAt;
    const valueAt = at + 4;
    at = putText(buf, valueAt, ext[key] as string);
    put32(buf, valueAt - 4, at - valueAt);
  }
  put32(buf, extAt, at - extAt - 4);
  return at;
}

export function put32(buf: Buffer, at: number, value: number): void {
  buf[at] = value >>> 24;
  buf[at + 1] = value >>> 16;
  buf[at + 2] = value >>> 8;
  buf[at + 3] = value;
}

/** UTF-8 at `at`, returning where it ends: ASCII byte by byte, anything else by Buffer. */
function putText(buf: Buffer, at: number, text: string): number {
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const unit = text.charCodeAt(i);
    if (unit > 0x7f) return at + buf.write(text, at, 'utf8');
    buf[at + i] = unit;
  }
  return at + length;
}
