// What each edge runtime runs: start a producer against a name server, send a few messages that
// carry every part read back by the tests (body, tags, keys, user properties), shut it down, and
// hand the SendResults back as plain JSON. Only the package's public entry is used, as a Worker,
// Deno or Bun user would.
import { createProducer, type SendResult } from '../../../lib/index.ts';

export interface SampleRequest {
  nameServer: string;
  topic: string;
  /** Ties the messages of one run together in their keys and properties. */
  run: string;
  /** Which runtime sent them, written into a property. */
  runtime: string;
  count: number;
}

export interface SampleResult {
  runtime: string;
  run: string;
  results: Pick<SendResult, 'status' | 'msgId' | 'offsetMsgId' | 'queue' | 'queueOffset'>[];
}

/** The message the sample sends at `index`: what the tests expect to find stored. */
export function sampleMessage(request: Pick<SampleRequest, 'topic' | 'run' | 'runtime'>, index: number) {
  return {
    topic: request.topic,
    body: `edge ${request.runtime} ${request.run} #${index}`,
    tags: `edge-${request.runtime}`,
    keys: [`${request.run}-${index}`, `edge-${request.run}`],
    properties: { runtime: request.runtime, run: request.run, index: String(index) },
  };
}

export async function sendSample(request: SampleRequest): Promise<SampleResult> {
  const producer = createProducer({ nameServers: request.nameServer, producerGroup: `edge-${request.runtime}` });
  try {
    await producer.start();
    const results: SampleResult['results'] = [];
    for (let index = 0; index < request.count; index++) {
      const { status, msgId, offsetMsgId, queue, queueOffset } = await producer.send(sampleMessage(request, index));
      results.push({ status, msgId, offsetMsgId, queue, queueOffset });
    }
    return { runtime: request.runtime, run: request.run, results };
  } finally {
    await producer.shutdown();
  }
}
