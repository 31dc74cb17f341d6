// The bridge's accounting when the sends behind it misbehave, with a scripted Invocation (one topic
// failing at once while another is still sending, which the real brokers cannot do on cue). The
// real brokers' side is in sqs-bridge.test.ts and test/faults/bridge-faults.test.ts.
import type { SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { Logger } from '@aws-lambda-powertools/logger';
import { bridgeRecords, readBridgeConfig, type BridgeInvocation } from '../../functions/sqs-bridge/bridge.ts';
import { readConfig, type BatchOutcome, type Message, type SendResult } from '../../lib/internal.ts';
import { sqsRecord } from '../support/events.ts';

function invocation(sendBatchSettled: (messages: Message[]) => Promise<BatchOutcome[]>, singles: Message[] = []): BridgeInvocation {
  const config = readConfig({ NAMESRV_ADDR: '127.0.0.1:1', PRODUCER_GROUP: 'bridge-accounting', ALLOWED_TOPICS: '*' });
  // A single send is a settled batch of one here, so one script answers both; `singles` records which went alone.
  const send = async (message: Message) => {
    singles.push(message);
    const [outcome] = await sendBatchSettled([message]);
    if (outcome?.error) throw outcome.error;
    return outcome!.result!;
  };
  const lookupStored = async () => ({ stored: null, known: true }) as const;
  return { send, sendBatchSettled, lookupStored, logger: new Logger({ logLevel: 'SILENT' }), config, deadline: Date.now() + 30_000 };
}

const stored = (messages: Message[]): BatchOutcome[] => messages.map(() => ({ result: { status: 'SEND_OK' } as SendResult }));

describe('bridge accounting', () => {
  it("waits for every topic's sends before answering, even when another topic's failed at once", async () => {
    let slowDone = 0;
    const scripted = invocation(async (messages) => {
      if (messages[0]!.topic === 'Fails') throw new Error('a defect in one group');
      await new Promise((r) => setTimeout(r, 200));
      slowDone = Date.now();
      return stored(messages);
    });
    const records = [sqsRecord('a', { topic: 'Fails' }), sqsRecord('b', { topic: 'Slow' })];

    const response = await bridgeRecords(records, scripted, readBridgeConfig({}));
    const answeredAt = Date.now();

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: records[0]!.messageId }]);
    expect(slowDone).toBeGreaterThan(0);
    expect(answeredAt).toBeGreaterThanOrEqual(slowDone);
  });

  it('takes two copies of a record whose attributes come in another order for one record', async () => {
    const sent: Message[] = [];
    const scripted = invocation(async (messages) => {
      sent.push(...messages);
      return stored(messages);
    });
    const record = sqsRecord('same', { topic: 'T', region: 'eu', tier: 'gold' });
    const reordered: SQSRecord = { ...record, messageAttributes: Object.fromEntries(Object.entries(record.messageAttributes).reverse()) };

    const response = await bridgeRecords([record, reordered], scripted, readBridgeConfig({}));

    expect(response.batchItemFailures).toEqual([]);
    expect(sent).toHaveLength(1);
  });

  it("sends a record with a delay, priority or lite topic attribute alone, under the producer's names, and fails one with a bad number unsent", async () => {
    const calls: Message[][] = [];
    const singles: Message[] = [];
    const scripted = invocation(async (messages) => {
      calls.push(messages);
      return stored(messages);
    }, singles);
    const records = [
      sqsRecord('plain 1', { topic: 'T' }),
      sqsRecord('delayed', { topic: 'T', delaySeconds: '30' }),
      sqsRecord('urgent', { topic: 'T', priority: '2', origin: 'web' }),
      sqsRecord('lite', { topic: 'T', liteTopic: 'order-42' }),
      sqsRecord('plain 2', { topic: 'T' }),
      sqsRecord('bad delay', { topic: 'T', delayMs: 'soon' }),
    ];

    const response = await bridgeRecords(records, scripted, readBridgeConfig({}));

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: records[5]!.messageId }]);
    const bodies = calls.map((c) => c.map((m) => m.body));
    expect(bodies).toContainEqual(['plain 1', 'plain 2']);
    for (const alone of ['delayed', 'urgent', 'lite']) expect(bodies).toContainEqual([alone]);
    const byBody = new Map(calls.flat().map((m) => [m.body, m]));
    expect(byBody.get('delayed')!.delaySeconds).toBe(30);
    expect(byBody.get('urgent')).toMatchObject({ priority: 2, properties: { origin: 'web' } });
    expect(byBody.get('lite')!.liteTopic).toBe('order-42');
    expect(byBody.get('lite')!.properties).toBeUndefined();
    expect(byBody.has('bad delay')).toBe(false);
    // Single sends, not batches of one: the producer refuses a delay, priority or lite topic in any batch.
    expect(singles.map((m) => m.body).sort()).toEqual(['delayed', 'lite', 'urgent']);
  });

  it('sends a redelivered record when the brokers cannot tell whether they hold it: a duplicate with the same id, never a loss', async () => {
    const sent: Message[] = [];
    const scripted = invocation(async (messages) => {
      sent.push(...messages);
      return stored(messages);
    });
    scripted.config = { ...scripted.config, publishOnce: true };
    const asked: string[] = [];
    scripted.lookupStored = async (_topic, uniqKey) => {
      asked.push(uniqKey);
      return { stored: null, known: false };
    };
    const first = sqsRecord('first delivery', { topic: 'T' });
    const redelivered = sqsRecord('maybe stored', { topic: 'T' });
    redelivered.attributes.ApproximateReceiveCount = '2';

    const response = await bridgeRecords([first, redelivered], scripted, readBridgeConfig({}));

    expect(response.batchItemFailures).toEqual([]);
    expect(sent.map((m) => m.body)).toEqual(['first delivery', 'maybe stored']);
    // Only the redelivered record is looked up: a first delivery costs nothing extra.
    expect(asked).toEqual([sent[1]!.id]);
  });
});
