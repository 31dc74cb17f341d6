// Bounded property tests: random and truncated input never crashes, hangs or escapes as anything
// but a PROTOCOL_ERROR, and valid frames survive any chunking.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RocketMQError } from '../../lib/internal.ts';
import { FrameAccumulator } from '../../lib/internal.ts';
import { decodeFrame, encodeBinaryFrame, encodeFrame } from '../../lib/internal.ts';

function feed(chunks: Uint8Array[]): { frames: number; error?: unknown } {
  const accumulator = new FrameAccumulator();
  let frames = 0;
  try {
    for (const chunk of chunks) {
      accumulator.push(Buffer.from(chunk), (frame) => {
        decodeFrame(frame);
        frames += 1;
      });
    }
    return { frames };
  } catch (error) {
    return { frames, error };
  }
}

const command = fc.record({
  code: fc.integer({ min: -32768, max: 32767 }),
  language: fc.constantFrom('JAVA', 'GO', 'OTHER'),
  version: fc.integer({ min: 0, max: 32767 }),
  opaque: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  flag: fc.integer({ min: 0, max: 3 }),
  extFields: fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.string({ maxLength: 20 }), { maxKeys: 5 }),
  body: fc.option(
    fc.uint8Array({ minLength: 1, maxLength: 300 }).map((b) => Buffer.from(b)),
    { nil: undefined },
  ),
});

describe('frame decoding under random input', () => {
  it('never throws anything but a PROTOCOL_ERROR on random bytes', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 8 }), (chunks) => {
        const { error } = feed(chunks);
        if (error !== undefined) expect((error as RocketMQError).codeName).toBe('PROTOCOL_ERROR');
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws anything but a PROTOCOL_ERROR on valid frames with corrupted bytes', () => {
    fc.assert(
      fc.property(command, fc.integer({ min: 4, max: 400 }), fc.integer({ min: 0, max: 255 }), (c, at, value) => {
        const bytes = Buffer.from(encodeBinaryFrame(c));
        bytes[at % bytes.length] = value;
        const { error } = feed([bytes]);
        if (error !== undefined) expect(error).toBeInstanceOf(RocketMQError);
      }),
      { numRuns: 2000 },
    );
  });

  it('yields nothing and keeps waiting for a truncated frame', () => {
    fc.assert(
      fc.property(command, fc.nat(), (c, cut) => {
        const bytes = encodeFrame(c);
        const { frames, error } = feed([bytes.subarray(0, cut % bytes.length)]);
        expect(error).toBeUndefined();
        expect(frames).toBe(0);
      }),
      { numRuns: 1000 },
    );
  });

  it('decodes valid frames identically however the stream is chunked', () => {
    fc.assert(
      fc.property(fc.array(command, { minLength: 1, maxLength: 4 }), fc.array(fc.nat(), { maxLength: 6 }), (commands, cuts) => {
        const stream = Buffer.concat(commands.map((c, i) => (i % 2 ? encodeBinaryFrame(c) : encodeFrame(c))));
        const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
        const chunks = [0, ...points, stream.length].slice(1).map((end, i, ends) => stream.subarray(i ? ends[i - 1]! : 0, end));
        const decoded: unknown[] = [];
        const accumulator = new FrameAccumulator();
        for (const chunk of chunks) accumulator.push(chunk, (f) => decoded.push(decodeFrame(f).opaque));
        expect(decoded).toEqual(commands.map((c) => c.opaque));
      }),
      { numRuns: 500 },
    );
  });
});
