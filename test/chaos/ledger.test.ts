// The chaos suite's bookkeeping on known inputs: how a key is classified from what its caller was
// told and how many copies were read back, and SQS's redelivery rules as the bridge drivers use them.
import { describe, expect, it } from 'vitest';
import { countCopies, Ledger, type StoredCopies } from './ledger.ts';
import { processedRecords, SqsQueue, Traffic } from './traffic.ts';

/** `n` copies of a key read back, all with one UNIQ_KEY unless the copies' UNIQ_KEYs are given. */
const copiesOf = (n: number, uniqKeys: (string | undefined)[] = Array(n).fill('U1'), storedAt: (number | undefined)[] = Array(n).fill(0)): StoredCopies => ({
  copies: n,
  uniqKeys,
  storedAt,
});

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
      [ok!, copiesOf(1)],
      [failedStored!, copiesOf(1)],
      [twice!, copiesOf(2)],
      ['run-s-send-99', copiesOf(1)],
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
        differentUniqKey: 0,
        duplicatesAfterRedelivery: 0,
        storedAgain: 0,
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
        [once, copiesOf(1)],
        [twice, copiesOf(2)],
      ]),
    ).byDriver;

    expect(row).toMatchObject({
      sent: 2,
      confirmed: 2,
      reportedFailed: 2,
      lost: 0,
      failedButStored: 1,
      duplicates: 1,
      redelivered: 2,
      duplicatesAfterRedelivery: 1,
    });
  });

  it('counts a duplicate as "different UNIQ_KEY" only when its copies do not all carry one and the same UNIQ_KEY', () => {
    const ledger = new Ledger('run-s');
    const names = ['single', 'same', 'sameThrice', 'differ', 'lateDiffer', 'missingOne', 'missingAll'] as const;
    const keys = Object.fromEntries(names.map((name, i) => [name, ledger.key('http', i)])) as Record<(typeof names)[number], string>;
    for (const key of Object.values(keys)) ledger.confirm(key);

    const [row] = ledger.classify(
      new Map([
        [keys.single, copiesOf(1, ['A'])],
        [keys.same, copiesOf(2, ['A', 'A'])],
        [keys.sameThrice, copiesOf(3, ['B', 'B', 'B'])],
        [keys.differ, copiesOf(2, ['A', 'B'])],
        [keys.lateDiffer, copiesOf(3, ['C', 'C', 'D'])],
        [keys.missingOne, copiesOf(2, ['E', undefined])],
        [keys.missingAll, copiesOf(2, [undefined, undefined])],
      ]),
    ).byDriver;

    expect(row).toMatchObject({ duplicates: 6, extraCopies: 8, differentUniqKey: 4 });
    expect(row!.differentUniqKeyKeys).toEqual([keys.differ, keys.lateDiffer, keys.missingOne, keys.missingAll]);
  });

  it('counts as stored again only a key handed over again with a copy stored by then and another after, to the ms', () => {
    const ledger = new Ledger('run-s');
    const cases = {
      resent: { answered: 1200, copies: [1100, 2000] },
      resentInSameMs: { answered: 1999, copies: [1999, 2000] },
      bothBefore: { answered: 1200, copies: [1100, 1999] },
      lateFirstThenResent: { answered: 1200, copies: [1500, 2500] },
      bothAfter: { answered: 1200, copies: [2500, 2600] },
      firstAnswerMs: { answered: 2000, copies: [2000, 2000] },
    };
    const keys = Object.fromEntries(Object.keys(cases).map((name, i) => [name, ledger.key('http-retry', i)]));
    for (const [name, c] of Object.entries(cases)) {
      ledger.received(keys[name]!, 1000);
      ledger.answered(keys[name]!, c.answered);
      ledger.received(keys[name]!, 2000);
      ledger.confirm(keys[name]!);
    }
    const once = ledger.key('http-retry', 99);
    ledger.received(once, 1000);
    ledger.confirm(once);

    const copies = new Map(Object.entries(cases).map(([name, c]) => [keys[name]!, copiesOf(2, ['A', 'A'], c.copies)]));
    copies.set(once, copiesOf(2, ['B', 'B'], [900, 3000]));
    const [row] = ledger.classify(copies).byDriver;

    // resent, resentInSameMs and lateFirstThenResent; not once, never handed over again.
    expect(row).toMatchObject({ duplicates: 7, duplicatesAfterRedelivery: 6, storedAgain: 3 });
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

  it("counts a key once per stored message even when the message lists it twice, keeps each copy's UNIQ_KEY, and ignores other prefixes", () => {
    const copies = countCopies(
      [
        { keys: ['p-a-1', 'p-a-1', 'uuid'], uniqKey: 'U1', storeTimestamp: 5 },
        { keys: ['p-a-1'], uniqKey: 'U2', storeTimestamp: 7 },
        { keys: ['p-a-2'] },
        { keys: ['q-a-1'], uniqKey: 'U3' },
        { keys: [], uniqKey: 'U4' },
      ],
      'p',
    );

    expect([...copies]).toEqual([
      ['p-a-1', { copies: 2, uniqKeys: ['U1', 'U2'], storedAt: [5, 7] }],
      ['p-a-2', { copies: 1, uniqKeys: [undefined], storedAt: [undefined] }],
    ]);
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
