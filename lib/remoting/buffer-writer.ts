// A growable big-endian byte writer. It knows nothing of RocketMQ: the frame module writes
// through it. One writer is reused for every frame a connection encodes.

export class BufferWriter {
  private buffer: Buffer;
  private offset = 0;

  constructor(initialSize = 4096) {
    this.buffer = Buffer.allocUnsafe(initialSize);
  }

  get length(): number {
    return this.offset;
  }

  private ensure(bytes: number): void {
    const needed = this.offset + bytes;
    if (needed <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < needed) size *= 2;
    const bigger = Buffer.allocUnsafe(size);
    this.buffer.copy(bigger, 0, 0, this.offset);
    this.buffer = bigger;
  }

  int8(value: number): this {
    this.ensure(1);
    this.buffer.writeInt8(value, this.offset);
    this.offset += 1;
    return this;
  }

  int16(value: number): this {
    this.ensure(2);
    this.buffer.writeInt16BE(value, this.offset);
    this.offset += 2;
    return this;
  }

  int32(value: number): this {
    this.ensure(4);
    this.buffer.writeInt32BE(value, this.offset);
    this.offset += 4;
    return this;
  }

  uint32(value: number): this {
    this.ensure(4);
    this.buffer.writeUInt32BE(value, this.offset);
    this.offset += 4;
    return this;
  }

  bytes(value: Uint8Array): this {
    this.ensure(value.length);
    this.buffer.set(value, this.offset);
    this.offset += value.length;
    return this;
  }

  /** Writes UTF-8 text and returns how many bytes it took. */
  utf8(value: string): number {
    this.ensure(value.length * 3); // a UTF-16 unit never takes more than 3 UTF-8 bytes; no counting pass
    const written = this.buffer.write(value, this.offset, 'utf8');
    this.offset += written;
    return written;
  }

  /** Skips `bytes` to be filled later with `patchUint32` / `patchInt32`; returns their offset. */
  reserve(bytes: number): number {
    this.ensure(bytes);
    const at = this.offset;
    this.offset += bytes;
    return at;
  }

  patchInt32(at: number, value: number): void {
    this.buffer.writeInt32BE(value, at);
  }

  patchUint32(at: number, value: number): void {
    this.buffer.writeUInt32BE(value, at);
  }

  /** Returns a copy of what was written and starts over; the backing store is kept for reuse. */
  flush(): Buffer {
    const out = Buffer.allocUnsafe(this.offset);
    this.buffer.copy(out, 0, 0, this.offset);
    this.offset = 0;
    return out;
  }
}
