// The SQS bridge while a real broker is killed in the middle of its batch: batchItemFailures must
// list exactly the records not confirmed stored. Every record left out of it is read back.
import { afterAll, describe, expect, inject, it } from 'vitest';
import { brokerControl } from '../../infra/local/stack.ts';
import { sharedEngine } from '../../lib/lambda/with-producer.ts';
import { RemotingClient } from '../../lib/remoting/remoting-client.ts';
import { lambdaContext, sqsEvent, sqsRecord } from '../support/events.ts';
import { queryByKey } from '../support/read-back.ts';

const stack = inject('stack');
Object.assign(process.env, {
  NAMESRV_ADDR: stack.nameServer,
  PRODUCER_GROUP: 'bridge-kill',
  TARGET_TOPIC: 'TopicTest',
  POWERTOOLS_METRICS_DISABLED: 'true',
  POWERTOOLS_LOG_LEVEL: 'CRITICAL',
});
delete process.env.STATE_TABLE;
const { handler } = await import('../../functions/sqs-bridge/index.ts');
const reader = new RemotingClient();

afterAll(async () => {
  await sharedEngine().close();
  reader.shutdown();
  if (!brokerControl.isRunning('broker-a')) await brokerControl.restart('broker-a');
});

async function stored(key: string): Promise<boolean> {
  const brokers = [stack.brokers['broker-a'].address, stack.brokers['broker-b'].address];
  return (await queryByKey(reader, brokers, 'TopicTest', key)) !== undefined;
}

describe('SQS bridge with broker-a killed mid-batch', () => {
  it('reports exactly the records no broker confirmed', async () => {
    // 40 records of 300 KiB: the batch goes out as several requests, so the kill lands between them.
    const body = 'x'.repeat(300 * 1024);
    const records = Array.from({ length: 40 }, () => sqsRecord(body));

    const pending = handler(sqsEvent(records), lambdaContext(60_000));
    await new Promise((r) => setTimeout(r, 40));
    await brokerControl.kill('broker-a');
    const response = await pending;
    await brokerControl.restart('broker-a');

    const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
    const unconfirmedButNotReported: string[] = [];
    for (const record of records) {
      if (!failed.has(record.messageId) && !(await stored(record.messageId))) unconfirmedButNotReported.push(record.messageId);
    }
    expect(unconfirmedButNotReported).toEqual([]);
    expect(response.batchItemFailures.every((f) => records.some((r) => r.messageId === f.itemIdentifier))).toBe(true);
    expect(sharedEngine()['producer']?.stats.sends).toBeGreaterThan(1);
  });
});
