// Cuts a TCP byte stream into frames, whatever way the stream was split. A frame that arrives
// whole inside one chunk is handed out as a view of that chunk; a split frame is gathered into one
// buffer of its exact size, so no Buffer.concat per chunk and no frame view is ever overwritten.
import { rocketError } from '../errors.ts';
import { MAX_FRAME_LENGTH } from './frame.ts';

export class FrameAccumulator {
  private readonly lengthBytes = Buffer.alloc(4);
  private lengthFilled = 0;
  private pending: Buffer | null = null;
  private pendingFilled = 0;

  /** True when a frame has begun but not ended. */
  get partial(): boolean {
    return this.pending !== null || this.lengthFilled > 0;
  }

  /**
   * Calls `onFrame` with each complete frame (the bytes after the length prefix). Throws a
   * PROTOCOL_ERROR for a length the peer could never legitimately send; the stream is then
   * unusable and the caller must close the connection.
   */
  push(chunk: Buffer, onFrame: (frame: Buffer) => void): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.pending) {
        const take = Math.min(this.pending.length - this.pendingFilled, chunk.length - offset);
        chunk.copy(this.pending, this.pendingFilled, offset, offset + take);
        this.pendingFilled += take;
        offset += take;
        if (this.pendingFilled === this.pending.length) {
          const frame = this.pending;
          this.pending = null;
          onFrame(frame);
        }
        continue;
      }
      let length: number;
      if (this.lengthFilled === 0 && chunk.length - offset >= 4) {
        length = chunk.readInt32BE(offset);
        offset += 4;
      } else {
        const take = Math.min(4 - this.lengthFilled, chunk.length - offset);
        chunk.copy(this.lengthBytes, this.lengthFilled, offset, offset + take);
        this.lengthFilled += take;
        offset += take;
        if (this.lengthFilled < 4) return;
        this.lengthFilled = 0;
        length = this.lengthBytes.readInt32BE(0);
      }
      checkLength(length);
      if (chunk.length - offset >= length) {
        onFrame(chunk.subarray(offset, offset + length));
        offset += length;
      } else {
        this.pending = Buffer.allocUnsafe(length);
        this.pendingFilled = 0;
      }
    }
  }
}

function checkLength(length: number): void {
  if (length < 4) throw rocketError('PROTOCOL_ERROR', `frame length ${length} is shorter than a header length field`);
  if (length + 4 > MAX_FRAME_LENGTH) {
    throw rocketError('PROTOCOL_ERROR', `frame length ${length} exceeds the ${MAX_FRAME_LENGTH}-byte frame limit`);
  }
}
