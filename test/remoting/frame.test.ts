// Frame codec: golden frames captured from the real name server and the Java admin client, a
// naive independent frame builder, every split point, one byte at a time, and hostile lengths.
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildJsonFrame } from '../../infra/local/probe.ts';
import { RocketMQError } from '../../lib/internal.ts';
import { FrameAccumulator } from '../../lib/internal.ts';
import type { RemotingCommand } from '../../lib/internal.ts';
import { decodeFrame, encodeBinaryFrame, encodeFrameAs, encodeJsonFrame, MAX_FRAME_LENGTH, SerializeType } from '../../lib/internal.ts';
import { parseTopicRouteData } from '../../lib/internal.ts';

const golden = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'frames.json'), 'utf8')) as {
  frames: { name: string; hex: string }[];
};
const frame = (name: string) => Buffer.from(golden.frames.find((f) => f.name === name)!.hex, 'hex');
/** The accumulator and decoder take what follows the 4-byte length prefix. */
const afterPrefix = (bytes: Buffer) => bytes.subarray(4);

function cutAll(chunks: Buffer[]): Buffer[] {
  const accumulator = new FrameAccumulator();
  const frames: Buffer[] = [];
  for (const chunk of chunks) accumulator.push(chunk, (f) => frames.push(Buffer.from(f)));
  return frames;
}

const sample: RemotingCommand = {
  code: 310,
  language: 'JAVA',
  version: 479,
  opaque: -7,
  flag: 0,
  remark: 'r\u0001é',
  extFields: { a: 'group', b: 'Topic', i: 'KEYS\u0001k1 k2\u0002' },
  body: Buffer.from('hello body'),
};

describe('golden frames from the real Java client and name server', () => {
  it('decodes the Java admin client JSON route request', () => {
    const command = decodeFrame(afterPrefix(frame('java-JSON-request-0')));

    expect(command).toMatchObject({ code: 105, language: 'JAVA', version: 479, flag: 0, serializeType: 0 });
    expect(command.extFields).toEqual({ topic: 'TopicTest' });
    expect(command.body).toBeUndefined();
  });

  it('decodes the Java admin client ROCKETMQ binary-header route request', () => {
    const command = decodeFrame(afterPrefix(frame('java-ROCKETMQ-request-0')));

    expect(command).toMatchObject({ code: 105, language: 'JAVA', version: 479, flag: 0, serializeType: 1 });
    expect(command.extFields).toEqual({ topic: 'TopicTest' });
  });

  it('decodes the name server route response, body included', () => {
    const command = decodeFrame(afterPrefix(frame('namesrv-response-to-JSON-0')));

    expect(command).toMatchObject({ code: 0, flag: 1, version: 479, serializeType: 0 });
    const route = parseTopicRouteData(command.body!);
    expect(route.queueDatas.map((q) => q.brokerName).sort()).toEqual(['broker-a', 'broker-b']);
  });

  it('re-encodes the Java binary request as a binary frame byte for byte', () => {
    const bytes = frame('java-ROCKETMQ-request-0');

    expect(encodeBinaryFrame(decodeFrame(afterPrefix(bytes))).equals(bytes)).toBe(true);
  });
});

describe('encode against an independent naive builder', () => {
  it('writes the same bytes as the naive builder given the same header object', () => {
    const ours = encodeJsonFrame(sample);
    const header = JSON.parse(ours.subarray(8, 8 + (ours.readUInt32BE(4) & 0xffffff)).toString('utf8'));

    expect(ours.equals(buildJsonFrame(header, sample.body))).toBe(true);
    expect(header).toMatchObject({ code: 310, opaque: -7, extFields: sample.extFields, remark: sample.remark });
  });

  it('decodes what the naive builder writes, and round-trips its own frames in both header formats', () => {
    const naive = buildJsonFrame({ code: 17, flag: 1, opaque: 9, language: 'GO', version: 317, remark: 'x', extFields: { n: 5 } });

    expect(decodeFrame(afterPrefix(naive))).toMatchObject({ code: 17, flag: 1, opaque: 9, language: 'GO', remark: 'x', extFields: { n: '5' } });
    for (const bytes of [encodeJsonFrame(sample), encodeBinaryFrame(sample)]) {
      const back = decodeFrame(afterPrefix(bytes));
      expect({ ...back, serializeType: undefined }).toEqual({ ...sample, serializeType: undefined });
    }
  });
});

/** RocketMQSerializable's layout written the slow, obvious way: one Buffer per field. */
function naiveBinaryFrame(c: RemotingCommand): Buffer {
  const int = (n: number, bytes: number) => {
    const b = Buffer.alloc(bytes);
    b.writeIntBE(n, 0, bytes);
    return b;
  };
  const text = (s: string, lengthBytes: number) => Buffer.concat([int(Buffer.byteLength(s), lengthBytes), Buffer.from(s, 'utf8')]);
  const ext = Buffer.concat(Object.entries(c.extFields).flatMap(([k, v]) => [text(k, 2), text(v, 4)]));
  const header = Buffer.concat([
    int(c.code, 2),
    int(0, 1),
    int(c.version, 2),
    int(c.opaque, 4),
    int(c.flag, 4),
    text(c.remark ?? '', 4),
    int(ext.length, 4),
    ext,
  ]);
  const body = c.body ?? Buffer.alloc(0);
  return Buffer.concat([int(4 + header.length + body.length, 4), int(header.length | (1 << 24), 4), header, body]);
}

describe('ROCKETMQ binary headers as we write them', () => {
  it('match the naive builder byte for byte, any Unicode in keys, values and remark', () => {
    const text = fc.string({ unit: 'binary', maxLength: 24 });
    fc.assert(
      fc.property(
        fc.record({
          code: fc.integer({ min: 0, max: 32767 }),
          opaque: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
          flag: fc.integer({ min: 0, max: 3 }),
          remark: fc.option(text, { nil: undefined }),
          extFields: fc.dictionary(fc.string({ unit: 'binary', minLength: 1, maxLength: 8 }), text, { maxKeys: 14 }),
          body: fc.option(
            fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
            { nil: undefined },
          ),
        }),
        (c) => {
          const command = { ...c, language: 'JAVA', version: 479 };
          expect(encodeBinaryFrame(command).equals(naiveBinaryFrame(command))).toBe(true);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('are what encodeFrameAs writes when asked, and JSON when asked for JSON', () => {
    expect(encodeFrameAs(SerializeType.ROCKETMQ, sample).equals(encodeBinaryFrame(sample))).toBe(true);
    expect(encodeFrameAs(SerializeType.JSON, sample).equals(encodeJsonFrame(sample))).toBe(true);
  });

  it('give way to JSON for a header with an empty value, which binary would turn into null on the server', () => {
    const commands: RemotingCommand[] = [
      { ...sample, extFields: { topic: '' } },
      { ...sample, extFields: { '': 'v' } },
      { ...sample, remark: '' },
    ];
    for (const command of commands) {
      const bytes = encodeFrameAs(SerializeType.ROCKETMQ, command);
      expect(bytes[4]).toBe(SerializeType.JSON);
      expect(decodeFrame(afterPrefix(bytes)).extFields).toEqual(command.extFields);
    }
  });
});

describe('ROCKETMQ headers and values that are not strings', () => {
  it('give way to JSON, which leaves an undefined value out and writes a number as it is', () => {
    const command = { ...sample, extFields: { topic: 'T', missing: undefined, count: 3 } as unknown as Record<string, string> };

    const bytes = encodeFrameAs(SerializeType.ROCKETMQ, command);

    expect(bytes[4]).toBe(SerializeType.JSON);
    expect(decodeFrame(afterPrefix(bytes)).extFields).toEqual({ topic: 'T', count: '3' });
  });
});

describe('frame accumulator', () => {
  const stream = Buffer.concat([frame('java-JSON-request-0'), frame('namesrv-response-to-JSON-0'), encodeBinaryFrame(sample)]);
  const expected = [frame('java-JSON-request-0'), frame('namesrv-response-to-JSON-0'), encodeBinaryFrame(sample)].map(afterPrefix);

  it('yields the same frames whatever single point the stream is split at', () => {
    for (let at = 0; at <= stream.length; at++) {
      const frames = cutAll([stream.subarray(0, at), stream.subarray(at)]);
      expect(frames.length).toBe(3);
      expect(frames.map((f, i) => f.equals(expected[i]!))).toEqual(frames.map(() => true));
    }
  });

  it('yields the same frames fed one byte at a time', () => {
    const bytes = [...stream].map((b) => Buffer.from([b]));

    const frames = cutAll(bytes);

    expect(frames.map((f) => f.toString('hex'))).toEqual(expected.map((f) => f.toString('hex')));
  });

  it('refuses a length over the 16 MiB frame limit before buffering anything', () => {
    const hostile = Buffer.alloc(8);
    hostile.writeInt32BE(MAX_FRAME_LENGTH - 3, 0);

    const error = (() => {
      try {
        cutAll([hostile]);
      } catch (err) {
        return err;
      }
    })();

    expect(error).toBeInstanceOf(RocketMQError);
    expect((error as RocketMQError).codeName).toBe('PROTOCOL_ERROR');
  });

  it('accepts a frame of exactly the limit', () => {
    const accumulator = new FrameAccumulator();
    const prefix = Buffer.alloc(4);
    prefix.writeInt32BE(MAX_FRAME_LENGTH - 4, 0);

    accumulator.push(prefix, () => undefined);

    expect(accumulator.partial).toBe(true);
  });

  it('refuses negative and too-short lengths', () => {
    for (const length of [-1, 0, 3]) {
      const bytes = Buffer.alloc(4);
      bytes.writeInt32BE(length, 0);
      expect(() => cutAll([bytes])).toThrow(/frame length/);
    }
  });
});

describe('frame decoder on hostile input', () => {
  it('refuses a header length larger than the frame', () => {
    const bad = Buffer.from(encodeJsonFrame(sample));
    bad.writeUInt32BE(bad.length, 4);

    expect(() => decodeFrame(afterPrefix(bad))).toThrow(/header length .* exceeds frame/);
  });

  it('refuses an unknown serialize type and an unparseable JSON header with PROTOCOL_ERROR', () => {
    const badType = Buffer.from(encodeJsonFrame(sample));
    badType[4] = 7;
    const badJson = buildJsonFrame({});
    badJson.write('!', 8);

    for (const bytes of [badType, badJson]) {
      const error = (() => {
        try {
          decodeFrame(afterPrefix(bytes));
        } catch (err) {
          return err as RocketMQError;
        }
      })();
      expect(error?.codeName).toBe('PROTOCOL_ERROR');
    }
  });
});
