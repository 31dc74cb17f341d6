// Batch body (MessageDecoder.encodeMessages): the messages one after another, each
//   int32 totalSize (this entry, these 4 bytes included) | int32 magicCode 0 | int32 bodyCRC 0
//   | int32 flag | int32 bodyLength | body | int16 propertiesLength | properties UTF-8
// The broker computes CRCs itself; batches are never compressed.
import { BufferWriter } from '../remoting/buffer-writer.ts';

export interface BatchEntry {
  flag: number;
  body: Buffer;
  properties: string;
}

export function batchEntrySize(entry: BatchEntry): number {
  return 4 + 4 + 4 + 4 + 4 + entry.body.length + 2 + Buffer.byteLength(entry.properties, 'utf8');
}

export function encodeBatch(entries: BatchEntry[]): Buffer {
  const writer = new BufferWriter(entries.reduce((n, e) => n + batchEntrySize(e), 0));
  for (const entry of entries) {
    const properties = Buffer.from(entry.properties, 'utf8');
    writer.int32(batchEntrySize(entry));
    writer.int32(0);
    writer.int32(0);
    writer.int32(entry.flag);
    writer.int32(entry.body.length);
    writer.bytes(entry.body);
    writer.int16(properties.length);
    writer.bytes(properties);
  }
  return writer.flush();
}
