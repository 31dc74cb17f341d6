// A big-endian byte reader over one buffer. Reading past the end throws a RangeError, which the
// frame decoder turns into a protocol error.

export class BufferReader {
  private offset: number;

  constructor(
    private readonly buffer: Buffer,
    start = 0,
    private readonly end = buffer.length,
  ) {
    this.offset = start;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  private take(bytes: number): number {
    if (bytes < 0 || this.offset + bytes > this.end) {
      throw new RangeError(`need ${bytes} bytes at offset ${this.offset}, ${this.remaining} left`);
    }
    const at = this.offset;
    this.offset += bytes;
    return at;
  }

  int8(): number {
    return this.buffer.readInt8(this.take(1));
  }

  int16(): number {
    return this.buffer.readInt16BE(this.take(2));
  }

  uint16(): number {
    return this.buffer.readUInt16BE(this.take(2));
  }

  int32(): number {
    return this.buffer.readInt32BE(this.take(4));
  }

  /** A view, not a copy. */
  bytes(length: number): Buffer {
    const at = this.take(length);
    return this.buffer.subarray(at, at + length);
  }

  utf8(length: number): string {
    const at = this.take(length);
    return this.buffer.toString('utf8', at, at + length);
  }
}
