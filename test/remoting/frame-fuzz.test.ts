// Bounded property tests: random and truncated input never crashes, hangs or escapes as anything
// but a PROTOCOL_ERROR, and valid frames survive any chunking.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RocketMQError } from '../../lib/internal.ts';
import { FrameAccumulator } from '../../lib/internal.ts';
import { decodeFrame, encodeBinaryFrame, encodeJsonFrame } from '../../lib/internal.ts';

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

/** A JSON frame around `headerText` exactly as written, valid JSON or not. */
function jsonFrameAround(headerText: string): Buffer {
  const header = Buffer.from(headerText, 'utf8');
  const prefix = Buffer.alloc(8);
  prefix.writeInt32BE(4 + header.length, 0);
  prefix.writeUInt32BE(header.length, 4);
  return Buffer.concat([prefix, header]);
}

/** The code of what decoding threw: a RocketMQError's name, or what else escaped. */
const protocolError = (error: unknown) => (error instanceof RocketMQError ? error.codeName : error);

/** Feeds each input's chunks: every refusal must be a PROTOCOL_ERROR. How many inputs were refused. */
function refusals<T>(inputs: fc.Arbitrary<T>, chunksOf: (input: T) => Uint8Array[]): number {
  let refused = 0;
  fc.assert(
    fc.property(inputs, (input) => {
      const { error } = feed(chunksOf(input));
      if (error === undefined) return;
      refused += 1;
      expect(protocolError(error)).toBe('PROTOCOL_ERROR');
    }),
    { numRuns: 2000 },
  );
  return refused;
}

describe('frame decoding under random input', () => {
  it('never throws anything but a PROTOCOL_ERROR on random bytes', () => {
    const refused = refusals(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 8 }), (chunks) => chunks);

    expect(refused).toBeGreaterThan(100); // the check ran: random bytes are mostly not frames
  });

  it('never throws anything but a PROTOCOL_ERROR on valid frames with corrupted bytes', () => {
    const corrupted = fc.tuple(command, fc.integer({ min: 4, max: 400 }), fc.integer({ min: 0, max: 255 }));
    const refused = refusals(corrupted, ([c, at, value]) => {
      const bytes = Buffer.from(encodeBinaryFrame(c));
      bytes[at % bytes.length] = value;
      return [bytes];
    });

    expect(refused).toBeGreaterThan(100);
  });

  it('raises a PROTOCOL_ERROR for every frame whose header cannot be decoded', () => {
    const corrupted = fc.oneof(
      // An unknown serialize type (0 is JSON, 1 ROCKETMQ).
      fc.tuple(command, fc.integer({ min: 2, max: 255 })).map(([c, type]) => {
        const bytes = Buffer.from(encodeBinaryFrame(c));
        bytes[4] = type;
        return bytes;
      }),
      // A header length past the end of the frame.
      fc.tuple(command, fc.nat()).map(([c, over]) => {
        const bytes = Buffer.from(encodeJsonFrame(c));
        const frameLength = bytes.readInt32BE(0);
        bytes.writeUIntBE(frameLength - 4 + 1 + (over % (0xffffff - frameLength + 4)), 5, 3);
        return bytes;
      }),
      // A JSON header cut short: no strict prefix of a JSON object is JSON.
      fc.tuple(command, fc.nat()).map(([c, cut]) => {
        const text = JSON.stringify({ ...c, body: undefined });
        return jsonFrameAround(text.slice(0, cut % text.length));
      }),
      // A binary header missing its last bytes.
      fc.tuple(command, fc.integer({ min: 1, max: 64 })).map(([c, missing]) => {
        const bytes = encodeBinaryFrame({ ...c, body: undefined });
        const headerLength = bytes.readUIntBE(5, 3);
        const cut = Buffer.from(bytes.subarray(0, bytes.length - Math.min(missing, headerLength)));
        cut.writeInt32BE(cut.length - 4, 0);
        cut.writeUIntBE(cut.length - 8, 5, 3);
        return cut;
      }),
    );
    fc.assert(
      fc.property(corrupted, (bytes) => {
        expect(protocolError(feed([bytes]).error)).toBe('PROTOCOL_ERROR');
      }),
      { numRuns: 2000 },
    );
  });

  it('yields nothing and keeps waiting for a truncated frame', () => {
    fc.assert(
      fc.property(command, fc.nat(), (c, cut) => {
        const bytes = encodeJsonFrame(c);
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
        const stream = Buffer.concat(commands.map((c, i) => (i % 2 ? encodeBinaryFrame(c) : encodeJsonFrame(c))));
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
