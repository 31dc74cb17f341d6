// The chaos suite's bookkeeping on known inputs: how a key is classified from what its caller was
// told and how many copies were read back, and SQS's redelivery rules as the bridge drivers use them.
import { describe, expect, it } from 'vitest';
import { countCopies, Ledger } from './ledger.ts';
import { processedRecords, SqsQueue, Traffic } from './traffic.ts';

describe('ledger classification', () => {
  it('counts confirmed-and-missing as lost, failed-and-stored, duplicates and silence, per driver', () => {
    const ledger = new Ledger('run-s');
    const [ok, lost, failedStored, failedGone, twice, silent] = ['ok', 'lost', 'failedStored', 'failedGone', 'twice', 'silent'].map((_, i) =>
      ledger.key('send', i),
    );
    ledger.confirm(ok!);
    ledger.confirm(lost!);
    ledger.fail(failedStored!, 'ACCESS_BROKER_TIMEOUT');
    ledger.fail(failedGone!, 'CONNECT_BROKER_EXCEPTION');
    ledger.confirm(twice!);
    void silent;
    const copies = new Map([
      [ok!, 1],
      [failedStored!, 1],
      [twice!, 2],
      ['run-s-send-99', 1],
    ]);

    const { byDriver, strangers } = ledger.classify(copies);

    expect(byDriver).toEqual([
      expect.objectContaining({
        driver: 'send',
        sent: 6,
        confirmed: 3,
        reportedFailed: 2,
        stored: 3,
        confirmedStored: 2,
        lost: 1,
        lostKeys: [lost],
        failedButStored: 1,
        failedNotStored: 1,
        duplicates: 1,
        extraCopies: 1,
        unanswered: 1,
      }),
    ]);
    expect(strangers).toEqual(['run-s-send-99']);
  });

  it('takes a bridge record failed once and confirmed on redelivery as stored, and as failed-but-stored only with an extra copy', () => {
    const ledger = new Ledger('run-s');
    const once = ledger.key('bridge-10', 0);
    const twice = ledger.key('bridge-10', 1);
    for (const key of [once, twice]) {
      ledger.received(key);
      ledger.fail(key, 'in batchItemFailures');
      ledger.received(key);
      ledger.confirm(key);
    }

    const [row] = ledger.classify(
      new Map([
        [once, 1],
        [twice, 2],
      ]),
    ).byDriver;

    expect(row).toMatchObject({ sent: 2, confirmed: 2, reportedFailed: 2, lost: 0, failedButStored: 1, duplicates: 1, redelivered: 2 });
  });

  it('keeps the invocation that used the largest share of its deadline, and every overrun', () => {
    const ledger = new Ledger('run-s');
    ledger.invocation('http', 900, 10_000);
    ledger.invocation('http', 700, 800);
    ledger.invocation('http', 4100, 3000, true);

    expect(ledger.invocations('http')).toMatchObject({
      invocations: 3,
      threw: 1,
      worst: { durationMs: 4100, budgetMs: 3000 },
      overruns: [{ durationMs: 4100, budgetMs: 3000 }],
    });
  });

  it('counts a key once per stored message even when the message lists it twice, and ignores other prefixes', () => {
    const copies = countCopies([{ keys: ['p-a-1', 'p-a-1', 'uuid'] }, { keys: ['p-a-1'] }, { keys: ['q-a-1'] }, { keys: [] }], 'p');

    expect([...copies]).toEqual([['p-a-1', 2]]);
  });
});

describe('SQS queue as the bridge drivers see it', () => {
  it('hands a failed record out again after the visibility timeout with the same messageId and receive count + 1, and dead-letters it after 5 receives', () => {
    const queue = new SqsQueue({ visibilityMs: 1000, maxReceiveCount: 5 });
    queue.send('k1', 'body');
    let t = Date.now() + 10;
    const seen: { id: string; count: string | undefined }[] = [];
    const outcomes: string[] = [];
    const whileInvisible: number[] = [];

    for (let i = 0; i < 5; i++) {
      const [got] = queue.receive(10, t);
      seen.push({ id: got!.record.messageId, count: got!.record.attributes.ApproximateReceiveCount });
      whileInvisible.push(queue.receive(10, t).length);
      outcomes.push(queue.settle(got!.record.messageId, false, t));
      whileInvisible.push(queue.receive(10, t + 999).length);
      t += 1000;
    }

    expect(seen.map((s) => s.count)).toEqual(['1', '2', '3', '4', '5']);
    expect(new Set(seen.map((s) => s.id)).size).toBe(1);
    expect(whileInvisible).toEqual(Array(10).fill(0));
    expect(outcomes).toEqual(['retry', 'retry', 'retry', 'retry', 'dead-letter']);
    expect([queue.deadLetters, queue.size]).toEqual([['k1'], 0]);
  });

  it('deletes a record the invocation did not report failed', () => {
    const queue = new SqsQueue({ visibilityMs: 1000, maxReceiveCount: 5 });
    queue.send('k1', 'body');
    const [got] = queue.receive(10, Date.now() + 10);

    expect(queue.settle(got!.record.messageId, true)).toBe('deleted');
    expect(queue.size).toBe(0);
  });

  it('takes as processed only the records left out of batchItemFailures, and none when the invocation threw, ran out of time or named a stranger', () => {
    const queue = new SqsQueue({ visibilityMs: 1000, maxReceiveCount: 5 });
    for (const k of ['a', 'b', 'c']) queue.send(k, k);
    const records = queue.receive(10, Date.now() + 10).map((r) => r.record);
    const [a, b, c] = records.map((r) => r.messageId);
    const answer = (ids: string[]) => ({ result: { batchItemFailures: ids.map((itemIdentifier) => ({ itemIdentifier })) }, durationMs: 10, budgetMs: 1000 });

    expect([...processedRecords(records, answer([b!])).ok]).toEqual([a, c]);
    expect(processedRecords(records, { error: 'Error: boom', durationMs: 10, budgetMs: 1000 }).ok.size).toBe(0);
    expect(processedRecords(records, { ...answer([]), durationMs: 1001 }).ok.size).toBe(0);
    expect(processedRecords(records, answer(['not-in-batch'])).ok.size).toBe(0);
  });
});

describe('traffic pace', () => {
  it('holds the share planned after the fault until healed, then sends it at the same pace', async () => {
    const traffic = new Traffic(100, 50);
    traffic.start();
    const order: string[] = [];
    const early = traffic.turn(1, 10).then(() => order.push('early'));
    const late = traffic.turn(5, 10).then(() => order.push('late'));

    await new Promise((r) => setTimeout(r, 150));
    order.push('healed');
    traffic.healed();
    await Promise.all([early, late]);

    expect(order).toEqual(['early', 'healed', 'late']);
  });
});
