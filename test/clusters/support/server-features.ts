// What RocketMQ 5.3 to 5.5 added on the send side, against one real cluster: delays in seconds and
// milliseconds (and deliverAt), recall of a timer message, priority and lite-topic messages. Where
// the server has the feature, the message is read back from the brokers (queue, properties, the
// time it was delivered); where it is too old, the producer refuses the message before sending,
// naming the release the feature needs, and the brokers are shown to hold nothing new.
//   4.9.7 would store a timer message and deliver it at once, and store a priority or a lite topic
//   as a plain property; 5.3.3 the latter two as well. The 5.3.3 Proxy checks a timer message's
//   type against its topic's (13) and allows recall on DELAY topics only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cluster } from '../../../infra/local/cluster.ts';
import { createInternalProducer, type Message, RemotingClient, RequestCode, type RocketMQError, type SendError } from '../../../lib/internal.ts';
import { markOffsets, maxOffset, queuesOf, readSince, type OffsetMark, type QueueRef } from '../../support/queue-reader.ts';
import { queryByUniqueKey, viewByOffsetId } from '../../support/read-back.ts';

/** The release each feature needs, as the producer's refusal names it. */
const MINIMUM = { timers: '5.0.0', recall: '5.3.2', priority: '5.4.0', liteTopic: '5.5.0' } as const;
export type Feature = keyof typeof MINIMUM;

export interface FeatureExpectations {
  /** Features the server is too old for: each refused before sending, naming its minimum release. */
  tooOld: Feature[];
  /** Where timer messages go (default TopicTest); a 5.x Proxy wants a topic typed DELAY. */
  timerTopic?: string;
  /** A topic typed PRIORITY and its queue count, where priorities work. */
  priorityTopic?: { name: string; queues: number };
  /** A parent topic typed LITE, where lite topics work (the brokers run with LMQ multi-dispatch on). */
  liteParent?: string;
  /** A 5.x Proxy: it checks each message's type against its topic's and refuses a mismatch (13). */
  typeChecked?: boolean;
}

const SEND_CODES: readonly number[] = [RequestCode.SEND_MESSAGE, RequestCode.SEND_MESSAGE_V2];
/** Topics every cluster of the tier has, with 4 queues on each broker. */
const PLAIN_TOPIC = 'TopicTest';
const QUEUES = 4;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (err: RocketMQError) => err,
  );
/** A recall handle as a broker writes one (base64url of "v1 topic broker deliverMs+1 uniqKey"). */
const forgedHandle = (topic: string, brokerName: string, dueInMs: number) =>
  Buffer.from(`v1 ${topic} ${brokerName} ${Date.now() + dueInMs + 1} 7F0000010000${Date.now().toString(16).toUpperCase()}`).toString('base64url');

export function describeServerFeatures(cluster: () => Cluster, expected: FeatureExpectations): void {
  const works = (feature: Feature) => !expected.tooOld.includes(feature);
  const timerTopic = expected.timerTopic ?? PLAIN_TOPIC;

  describe('RocketMQ 5.3 to 5.5 send features', () => {
    let c: Cluster;
    let producer: ReturnType<typeof createInternalProducer>;
    let reader: RemotingClient;
    let brokers: string[];
    let queues: QueueRef[];
    /** Request codes the producer sent, from the moment a test starts recording. */
    let sent: number[] = [];

    beforeAll(async () => {
      c = cluster();
      brokers = Object.values(c.brokers);
      queues = queuesOf(c.brokers, QUEUES);
      reader = new RemotingClient();
      producer = createInternalProducer({ nameServers: c.endpoint, producerGroup: `features-${c.spec.offset}`, logger: () => undefined });
      await producer.start();
      const invoke = producer.remoting.invoke.bind(producer.remoting);
      producer.remoting.invoke = (address, command, timeoutMs) => {
        sent.push(command.code);
        return invoke(address, command, timeoutMs);
      };
    });

    afterAll(async () => {
      await producer?.shutdown();
      reader?.shutdown();
    });

    /** Every message stored in `topic` since `mark`, asked again until `wanted` are all there or `waitMs` passes. */
    async function deliveredSince(topic: string, mark: OffsetMark, wanted: string[], waitMs = 15_000) {
      const deadline = Date.now() + waitMs;
      for (;;) {
        const found = await readSince(reader, topic, queues, mark);
        if (wanted.every((id) => found.some((m) => m.uniqKey === id)) || Date.now() > deadline) return found;
        await sleep(300);
      }
    }

    /** Sends each message, expecting a refusal before anything is sent and none of them stored in the topic. */
    async function refusedUpFront(messages: Message[]): Promise<RocketMQError[]> {
      const topic = messages[0]!.topic;
      const mark = await markOffsets(reader, topic, queues);
      // A first send heard the brokers' version, as a warm producer has.
      await producer.send({ topic, body: 'plain, before' });
      sent = [];

      const errors = [];
      for (const message of messages) errors.push(await failure(producer.send(message)));

      await sleep(500); // what a broker stored is in its consume queue by now
      const stored = (await readSince(reader, topic, queues, mark)).map((m) => m.body.toString());
      expect(sent.filter((code) => SEND_CODES.includes(code))).toEqual([]);
      expect(stored).toContain('plain, before');
      expect(stored.filter((body) => messages.some((m) => m.body === body))).toEqual([]);
      return errors;
    }

    const tooOld = (errors: RocketMQError[], feature: Feature) => {
      for (const error of errors) {
        expect([error.codeName, error.retriable]).toEqual(['UNSUPPORTED_BY_BROKER', false]);
        expect(error.message).toContain(`needs RocketMQ ${MINIMUM[feature]} or later`);
      }
    };

    if (works('timers')) {
      it(`holds delaySeconds, delayMs and deliverAt messages sent to ${timerTopic}, then delivers each after its delay`, async () => {
        const mark = await markOffsets(reader, timerTopic, queues);
        const sentAt = Date.now();
        const messages = [
          { body: 'delaySeconds 2', delaySeconds: 2, property: ['TIMER_DELAY_SEC', '2'], delay: 2000 },
          { body: 'delayMs 1500', delayMs: 1500, property: ['TIMER_DELAY_MS', '1500'], delay: 1500 },
          { body: 'deliverAt +2000', deliverAt: sentAt + 2000, property: ['TIMER_DELIVER_MS', String(sentAt + 2000)], delay: 2000 },
        ] as const;
        const results = await Promise.all(messages.map(({ property, delay, ...m }) => producer.send({ topic: timerTopic, ...m })));

        const early = (await readSince(reader, timerTopic, queues, mark)).map((m) => m.uniqKey);
        await deliveredSince(
          timerTopic,
          mark,
          results.map((r) => r.msgId),
        );

        expect(early.filter((id) => results.some((r) => r.msgId === id))).toEqual([]);
        for (const [i, result] of results.entries()) {
          const { body, property, delay } = messages[i]!;
          const delivered = await queryByUniqueKey(reader, brokers, timerTopic, result.msgId, 5000);
          expect([delivered.topic, delivered.body.toString(), delivered.properties.get(property[0])]).toEqual([timerTopic, body, property[1]]);
          // The broker's timer ticks in whole seconds, rounding the delivery time down to one.
          expect(delivered.storeTimestamp - sentAt).toBeGreaterThanOrEqual(delay - 1000);
        }
      });
    } else {
      it('refuses delaySeconds, delayMs and deliverAt before sending, naming 5.0.0: nothing stored (the broker would deliver at once)', async () => {
        const errors = await refusedUpFront([
          { topic: PLAIN_TOPIC, body: 'delaySeconds', delaySeconds: 2 },
          { topic: PLAIN_TOPIC, body: 'delayMs', delayMs: 1500 },
          { topic: PLAIN_TOPIC, body: 'deliverAt', deliverAt: Date.now() + 2000 },
        ]);

        tooOld(errors, 'timers');
        expect(errors.map((e) => e.message.match(/\((\w+)\)/)?.[1])).toEqual(['delaySeconds', 'delayMs', 'deliverAt']);
      });
    }

    if (expected.typeChecked) {
      it('is refused by the proxy when a delaySeconds or delayMs message goes to a NORMAL topic: MESSAGE_ILLEGAL (13), one attempt, nothing stored', async () => {
        const mark = await markOffsets(reader, PLAIN_TOPIC, queues);

        const errors = [
          (await failure(producer.send({ topic: PLAIN_TOPIC, body: 'timer to a NORMAL topic, delaySeconds', delaySeconds: 2 }))) as SendError,
          (await failure(producer.send({ topic: PLAIN_TOPIC, body: 'timer to a NORMAL topic, delayMs', delayMs: 1500 }))) as SendError,
        ];

        for (const error of errors) {
          expect([error.codeName, error.code, error.attempts]).toEqual(['MESSAGE_ILLEGAL', 13, 1]);
          expect(error.message).toContain('TopicMessageType validate failed');
        }
        await sleep(3000); // past both delays: nothing was held either
        const stored = (await readSince(reader, PLAIN_TOPIC, queues, mark)).map((m) => m.body.toString());
        expect(stored.filter((body) => body.startsWith('timer to a NORMAL topic'))).toEqual([]);
      });
    }

    if (works('recall')) {
      it(`recalls a timer message sent to ${timerTopic}: never delivered, while its sibling is`, async () => {
        const mark = await markOffsets(reader, timerTopic, queues);
        const kept = await producer.send({ topic: timerTopic, body: 'kept', delaySeconds: 3 });
        const taken = await producer.send({ topic: timerTopic, body: 'recalled', delaySeconds: 3 });

        const recalled = await producer.recall(timerTopic, taken.recallHandle!);
        await deliveredSince(timerTopic, mark, [kept.msgId]);
        await sleep(1500); // the recalled one was due with its sibling
        const delivered = (await readSince(reader, timerTopic, queues, mark)).map((m) => m.uniqKey);

        expect(Buffer.from(taken.recallHandle!, 'base64url').toString()).toMatch(
          new RegExp(`^v1 ${timerTopic} ${taken.queue.brokerName} \\d+ ${taken.msgId}$`),
        );
        expect(recalled).toEqual({ msgId: taken.msgId });
        expect(delivered).toContain(kept.msgId);
        expect(delivered).not.toContain(taken.msgId);
      });
    } else {
      it('refuses a recall before sending it, naming 5.3.2, once the broker has told its version', async () => {
        await producer.send({ topic: PLAIN_TOPIC, body: 'plain, before' });
        sent = [];

        const error = await failure(producer.recall(PLAIN_TOPIC, forgedHandle(PLAIN_TOPIC, 'broker-a', 60_000)));

        expect([error.codeName, error.retriable]).toEqual(['UNSUPPORTED_BY_BROKER', false]);
        expect(error.message).toContain('recall needs RocketMQ 5.3.2 or later');
        expect(sent).not.toContain(RequestCode.RECALL_MESSAGE);
      });

      it("maps the broker's answer to a recall it does not know (3) to UNSUPPORTED_BY_BROKER when its version is not known", async () => {
        const blind = createInternalProducer({ nameServers: c.endpoint, producerGroup: `features-${c.spec.offset}-blind`, logger: () => undefined });
        await blind.start();
        blind.remoting.peerVersion = () => undefined;
        const codes: number[] = [];
        const invoke = blind.remoting.invoke.bind(blind.remoting);
        blind.remoting.invoke = async (address, command, timeoutMs) => {
          const response = await invoke(address, command, timeoutMs);
          if (command.code === RequestCode.RECALL_MESSAGE) codes.push(response.code);
          return response;
        };
        try {
          const error = await failure(blind.recall(PLAIN_TOPIC, forgedHandle(PLAIN_TOPIC, 'broker-a', 60_000)));

          expect(codes).toEqual([3]);
          expect([error.codeName, error.retriable]).toEqual(['UNSUPPORTED_BY_BROKER', false]);
          expect(error.message).toContain('recall needs RocketMQ 5.3.2 or later');
        } finally {
          await blind.shutdown();
        }
      });
    }

    const priorityTopic = expected.priorityTopic;
    if (works('priority') && priorityTopic) {
      it(`puts a priority p message on queue min(p, ${priorityTopic.queues - 1}) of ${priorityTopic.name}, with _SYS_MSG_PRIORITY_ stored`, async () => {
        const priorities = [0, 3, priorityTopic.queues - 1, 20];

        const results = [];
        for (const priority of priorities) results.push(await producer.send({ topic: priorityTopic.name, body: `priority ${priority}`, priority }));

        for (const [i, priority] of priorities.entries()) {
          const queueId = Math.min(priority, priorityTopic.queues - 1);
          const stored = await viewByOffsetId(reader, results[i]!.offsetMsgId);
          expect([stored.topic, stored.body.toString(), stored.queueId, results[i]!.queue.queueId]).toEqual([
            priorityTopic.name,
            `priority ${priority}`,
            queueId,
            queueId,
          ]);
          expect(stored.properties.get('_SYS_MSG_PRIORITY_')).toBe(String(priority));
        }
      });
    } else if (!works('priority')) {
      it('refuses a priority message before sending, naming 5.4.0: nothing stored (the server would keep it as a plain property)', async () => {
        tooOld(await refusedUpFront([{ topic: PLAIN_TOPIC, body: 'urgent', priority: 3 }]), 'priority');
      });
    }

    const liteParent = expected.liteParent;
    if (works('liteTopic') && liteParent) {
      it(`stores a lite topic message in its parent ${liteParent} with __LITE_TOPIC, and dispatches it to the lite topic's LMQ queue`, async () => {
        const lite = `order-${c.spec.offset}-${Date.now()}`;
        const lmq = `%LMQ%$${liteParent}$${lite}`;

        const result = await producer.send({ topic: liteParent, body: 'lite', liteTopic: lite });

        const stored = await viewByOffsetId(reader, result.offsetMsgId);
        expect([stored.topic, stored.body.toString(), stored.properties.get('__LITE_TOPIC')]).toEqual([liteParent, 'lite', lite]);
        expect(stored.properties.get('INNER_MULTI_DISPATCH')).toBe(lmq);
        const queue = { brokerName: result.queue.brokerName, address: c.brokers[result.queue.brokerName as keyof Cluster['brokers']], queueId: 0 };
        let offset = 0;
        for (let tries = 0; offset === 0 && tries < 50; tries++) {
          offset = await maxOffset(reader, lmq, queue);
          if (offset === 0) await sleep(100);
        }
        expect(offset).toBe(1);
      });
    } else if (!works('liteTopic')) {
      it('refuses a lite topic message before sending, naming 5.5.0: nothing stored (the server would keep it as a plain property)', async () => {
        tooOld(await refusedUpFront([{ topic: PLAIN_TOPIC, body: 'lite', liteTopic: 'order-42' }]), 'liteTopic');
      });
    }
  });
}
