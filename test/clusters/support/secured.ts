// What the TLS and ACL files check again and again: a producer's sends stored and read back, and a
// refused producer failing once, with the code it should, and no broker isolated.
import { expect } from 'vitest';
import type { Cluster } from '../../../infra/local/cluster.ts';
import type { Producer, SendError } from '../../../lib/index.ts';
import type { ProducerImpl, RemotingClient } from '../../../lib/internal.ts';
import { viewByOffsetId } from '../../support/read-back.ts';

/** A sync send, a batch, an ordered send and a delay-level send, each read back from its broker. */
export async function expectStoredAndReadBack(producer: Producer, reader: RemotingClient, label: string): Promise<void> {
  const single = await producer.send({ topic: 'TopicTest', body: `${label} sync`, tags: 'T', keys: `${label}-k`, properties: { p: label } });
  const batch = await producer.sendBatch([
    { topic: 'TopicBatch', body: `${label} batch 0` },
    { topic: 'TopicBatch', body: `${label} batch 1` },
  ]);
  const ordered = await producer.send({ topic: 'TopicOrder', body: `${label} ordered`, shardingKey: label });
  const delayed = await producer.send({ topic: 'TopicTest', body: `${label} delayed`, delayLevel: 1 });

  const stored = await Promise.all([single, ...batch, ordered, delayed].map((r) => viewByOffsetId(reader, r.offsetMsgId)));
  expect(stored.map((m) => m.body.toString())).toEqual([`${label} sync`, `${label} batch 0`, `${label} batch 1`, `${label} ordered`, `${label} delayed`]);
  expect(Object.fromEntries(stored[0]!.properties)).toMatchObject({ TAGS: 'T', KEYS: `${label}-k`, p: label, UNIQ_KEY: single.msgId });
  expect(stored[4]!.properties.get('REAL_TOPIC')).toBe('TopicTest');
}

/**
 * The send fails with `codeName` after one attempt, and no broker of the cluster is isolated: not
 * in the producer, and not in its shared state (what DynamoDB would hold for the fleet).
 */
export async function expectRefusedOnce(producer: ProducerImpl, cluster: Cluster, send: Promise<unknown>, codeName: string): Promise<SendError> {
  const error = (await send.then(
    () => undefined,
    (err: unknown) => err,
  )) as SendError | undefined;

  expect(error, 'the send should have failed').toBeDefined();
  expect({ codeName: error!.codeName, retriable: error!.retriable, attempts: error!.attempts }).toEqual({ codeName, retriable: false, attempts: 1 });
  for (const brokerName of Object.keys(cluster.brokers)) expect(producer.faults!.isAvailable(brokerName), `${brokerName} isolated`).toBe(true);
  await producer.flush();
  const shared = producer.options.sharedState;
  if (shared) expect(await shared.loadFaults(), 'fault records in the shared state').toEqual([]);
  return error!;
}
