// The answers the real name server and broker gave to the producer's requests, recorded by
// test/fixtures/capture-frames.ts from the local stack into test/fixtures/frames.json, each with
// what its request asked. The tests decode the recorded bytes: no server is needed to run them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { BrokerError, decodeFrame, type RemotingCommand } from '../../lib/internal.ts';

interface CapturedFrame {
  name: string;
  hex: string;
  asked?: Record<string, unknown>;
}

const fixture = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'frames.json'), 'utf8')) as {
  rocketmqVersion: string;
  frames: CapturedFrame[];
};

/** The RocketMQ release the answers came from. */
export const capturedFrom = fixture.rocketmqVersion;

/** The named answer, decoded from its frame (what follows the length prefix), and what was asked. */
export function captured<Asked = Record<string, unknown>>(name: string): { answer: RemotingCommand; asked: Asked } {
  const frame = fixture.frames.find((f) => f.name === name);
  if (!frame) throw new Error(`test/fixtures/frames.json has no frame ${name}: run test/fixtures/capture-frames.ts`);
  return { answer: decodeFrame(Buffer.from(frame.hex, 'hex').subarray(4)), asked: (frame.asked ?? {}) as Asked };
}

/** What `parse` threw; fails the test if it returned instead, or threw something else. */
export function refusal(parse: () => unknown): BrokerError {
  let thrown: unknown;
  try {
    parse();
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(BrokerError);
  return thrown as BrokerError;
}
