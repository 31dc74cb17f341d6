// Both request header formats against the real name server and brokers: they read a ROCKETMQ
// (binary) header as they read JSON, answer in their own configured format (JSON here) either way,
// and store the same message whichever format carried it.
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createInternalProducer, parseTopicRouteData, RemotingClient, type StoredMessage } from '../../lib/internal.ts';
import { respond, startFakePeer } from '../support/fake-peer.ts';
import { viewByOffsetId } from '../support/read-back.ts';
import { startRouteRelay } from '../support/route-relay.ts';

const stack = inject('stack');
const clients = { ROCKETMQ: new RemotingClient({ serializeType: 'ROCKETMQ' }), JSON: new RemotingClient({ serializeType: 'JSON' }) };
const reader = new RemotingClient();

afterAll(() => {
  for (const client of [...Object.values(clients), reader]) client.shutdown();
});

describe("the producer's request header format", () => {
  it('is ROCKETMQ unless the options ask for JSON', async () => {
    // Fake name server: a real one does not tell which header format a request came in.
    const peer = await startFakePeer(({ header, socket }) => respond(socket, header.opaque, 17, { remark: 'no route' }));
    try {
      for (const options of [{}, { serializeType: 'JSON' as const }]) {
        const producer = createInternalProducer({ nameServers: [peer.address], producerGroup: 'format-default', ...options });
        await producer.start();
        await producer.send({ topic: 'TopicTest', body: 'x' }).catch(() => undefined);
        await producer.shutdown();
      }
      const routeRequests = peer.received.filter((r) => r.header.code === 105);
      expect(routeRequests[0]?.serializeType).toBe(1);
      expect(routeRequests.at(-1)?.serializeType).toBe(0);
    } finally {
      await peer.close();
    }
  });
});

describe('request header formats on the real servers', () => {
  it('gets the same route from the name server for a ROCKETMQ header as for JSON, answered in JSON', async () => {
    const answers = await Promise.all(
      (['ROCKETMQ', 'JSON'] as const).map((format) => clients[format].invoke(stack.nameServer, { code: 105, extFields: { topic: 'TopicTest' } }, 3000)),
    );

    for (const answer of answers) expect(answer).toMatchObject({ code: 0, serializeType: 0 });
    const [binary, json] = answers.map((a) => parseTopicRouteData(a.body!));
    expect(binary).toEqual(json);
  });

  it('keeps an empty value empty: the name server reads topic "" rather than the null a binary zero length means', async () => {
    for (const format of ['ROCKETMQ', 'JSON'] as const) {
      const answer = await clients[format].invoke(stack.nameServer, { code: 105, extFields: { topic: '' } }, 3000);

      expect(answer.code).toBe(17); // TOPIC_NOT_EXIST
      expect(answer.remark).toMatch(/for the topic: \n/);
    }
  });

  it('stores the same messages, single and batch, whichever format carried the send', async () => {
    const message = {
      topic: 'TopicTest',
      body: 'same either way',
      tags: 'TagFormat',
      keys: ['k-1', 'ключ'],
      properties: { origin: 'header-format', note: 'naïve 😀 text' },
    };
    const stored: Record<string, StoredMessage[]> = {};
    const formats: Record<string, number[]> = {};
    for (const serializeType of ['ROCKETMQ', 'JSON'] as const) {
      // Through a relay that records the format of each request the name server gets.
      const relay = await startRouteRelay(stack.nameServer, { legacyRoutes: false });
      const producer = createInternalProducer({ nameServers: [relay.address], producerGroup: `format-${serializeType}`, serializeType });
      try {
        await producer.start();
        const single = await producer.send(message);
        const batch = await producer.sendBatch([
          { topic: 'TopicBatch', body: 'b1', keys: 'bk' },
          { topic: 'TopicBatch', body: 'b2 ü', properties: { p: 'v' } },
        ]);
        stored[serializeType] = await Promise.all([single, ...batch].map((r) => viewByOffsetId(reader, r.offsetMsgId)));
        formats[serializeType] = [...new Set(relay.requestFormats)];
      } finally {
        await producer.shutdown();
        await relay.close();
      }
    }

    const comparable = (m: StoredMessage) => {
      const properties = Object.fromEntries(m.properties);
      delete properties.UNIQ_KEY; // a new id per message
      return { topic: m.topic, body: m.body.toString(), flag: m.flag, sysFlag: m.sysFlag, reconsumeTimes: m.reconsumeTimes, properties };
    };
    expect(formats).toEqual({ ROCKETMQ: [1], JSON: [0] });
    expect(stored.ROCKETMQ!.map(comparable)).toEqual(stored.JSON!.map(comparable));
    expect(stored.ROCKETMQ![0]!.properties.get('note')).toBe('naïve 😀 text');
    expect(stored.ROCKETMQ![0]!.properties.get('KEYS')).toBe('k-1 ключ');
  });
});
