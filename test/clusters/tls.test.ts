// TLS on real RocketMQ servers, in the three modes a cluster can run (cluster-tls.ts; all three on
// 5.3.3, mutual on 4.9.7 and 5.5 too): what
// the servers accept (seen with the naive probe, independent of lib/), then the producer's `tls`
// option on them. A wrong CA, a missing client certificate or a wrong server name is a
// configuration error: TLS_HANDSHAKE_FAILED after one attempt, and no broker isolated.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cluster } from '../../infra/local/cluster.ts';
import type { RocketMqVersion } from '../../infra/local/versions.ts';
import { probe, type ProbeVia } from '../../infra/local/probe.ts';
import { createProducer, type ProducerOptions, type SendError } from '../../lib/index.ts';
import { createInternalProducer, RemotingClient } from '../../lib/internal.ts';
import { viewByOffsetId } from '../support/read-back.ts';
import { sharedStateWithRoutes } from './support/preloaded-routes.ts';
import { expectRefusedOnce, expectStoredAndReadBack } from './support/secured.ts';
import { useCluster } from './support/use-cluster.ts';

const GET_BROKER_RUNTIME_INFO = 28;
const quiet = { logger: () => undefined };

/** The response code a server gives a request made with these TLS settings, or why none came. */
async function answers(address: string, tls?: ProbeVia['tls']): Promise<number | string> {
  return probe(address, GET_BROKER_RUNTIME_INFO, {}, 3000, 479, tls ? { tls } : {}).then(
    (r) => r.code,
    (err: Error) => `failed: ${err.message}`,
  );
}

/** A producer that knows the routes already, so its first connection is to a broker. */
async function brokerFirstProducer(cluster: Cluster, group: string, tls: ProducerOptions['tls']) {
  const producer = createInternalProducer({
    nameServers: cluster.endpoint,
    producerGroup: group,
    tls,
    sharedState: await sharedStateWithRoutes(cluster, ['TopicTest']),
    ...quiet,
  });
  await producer.start();
  return producer;
}

describe('TLS permissive: test mode, a self-signed certificate made at start', () => {
  const cluster = useCluster({ version: '5.3.3', offset: 850, tls: 'permissive' });
  let c: Cluster;
  const reader = new RemotingClient();
  beforeAll(() => {
    c = cluster();
  });
  afterAll(() => reader.shutdown());

  it('answers plaintext and TLS on the same port (servers)', async () => {
    expect(await answers(c.brokers['broker-a'])).toBe(0);
    expect(await answers(c.brokers['broker-a'], { rejectUnauthorized: false })).toBe(0);
    expect(typeof (await answers(c.nameServer, { rejectUnauthorized: false }))).toBe('number');
  });

  it('takes sends over TLS from a producer that accepts the self-signed certificate', async () => {
    const producer = createProducer({ nameServers: c.endpoint, producerGroup: 'tls-permissive', tls: { rejectUnauthorized: false }, ...quiet });
    await producer.start();
    try {
      await expectStoredAndReadBack(producer, reader, 'permissive-tls');
    } finally {
      await producer.shutdown();
    }
  });

  it('takes sends from a plaintext producer too', async () => {
    const producer = createProducer({ nameServers: c.endpoint, producerGroup: 'tls-permissive-plain', ...quiet });
    await producer.start();
    try {
      await expectStoredAndReadBack(producer, reader, 'permissive-plain');
    } finally {
      await producer.shutdown();
    }
  });

  it('is not trusted by `tls: true` (system CAs): TLS_HANDSHAKE_FAILED, one attempt, no broker isolated', async () => {
    const producer = await brokerFirstProducer(c, 'tls-permissive-verify', true);
    try {
      const error = await expectRefusedOnce(producer, c, producer.send({ topic: 'TopicTest', body: 'never stored' }), 'TLS_HANDSHAKE_FAILED');
      expect(error.message).toMatch(/certificate/i);
    } finally {
      await producer.shutdown();
    }
  });
});

describe('TLS enforcing: a server certificate signed by our CA, plaintext refused', () => {
  const cluster = useCluster({ version: '5.3.3', offset: 860, tls: 'enforcing' });
  let c: Cluster;
  let reader: RemotingClient;
  beforeAll(() => {
    c = cluster();
    reader = new RemotingClient({ tls: { ca: c.certificates!.ca } });
  });
  afterAll(() => reader.shutdown());

  it('closes plaintext connections and answers TLS verified against our CA (servers)', async () => {
    expect(await answers(c.brokers['broker-a'])).toMatch(/failed: .*closed the connection/);
    expect(await answers(c.nameServer)).toMatch(/failed/);
    expect(await answers(c.brokers['broker-a'], { ca: c.certificates!.ca })).toBe(0);
    expect(await answers(c.brokers['broker-a'], { ca: c.certificates!.otherCa })).toMatch(/failed: .*certificate/);
  });

  it('takes sends from a producer that trusts our CA, name server and brokers alike', async () => {
    const producer = createProducer({ nameServers: c.endpoint, producerGroup: 'tls-enforcing', tls: { ca: c.certificates!.ca }, ...quiet });
    await producer.start();
    try {
      await expectStoredAndReadBack(producer, reader, 'enforcing');
    } finally {
      await producer.shutdown();
    }
  });

  it('verifies the name the certificate is for: servername localhost passes, another name fails', async () => {
    const good = createProducer({ nameServers: c.endpoint, producerGroup: 'tls-sni', tls: { ca: c.certificates!.ca, servername: 'localhost' }, ...quiet });
    await good.start();
    const stored = await good.send({ topic: 'TopicTest', body: 'servername localhost' }).finally(() => good.shutdown());
    expect((await viewByOffsetId(reader, stored.offsetMsgId)).body.toString()).toBe('servername localhost');

    const producer = await brokerFirstProducer(c, 'tls-wrong-name', { ca: c.certificates!.ca, servername: 'broker.example.org' });
    try {
      await expectRefusedOnce(producer, c, producer.send({ topic: 'TopicTest', body: 'never stored' }), 'TLS_HANDSHAKE_FAILED');
    } finally {
      await producer.shutdown();
    }
  });

  it('refuses a producer trusting another CA: TLS_HANDSHAKE_FAILED, one attempt, no broker isolated', async () => {
    const producer = await brokerFirstProducer(c, 'tls-wrong-ca', { ca: c.certificates!.otherCa });
    try {
      await expectRefusedOnce(producer, c, producer.send({ topic: 'TopicTest', body: 'never stored' }), 'TLS_HANDSHAKE_FAILED');
    } finally {
      await producer.shutdown();
    }
  });

  it('refuses the same wrong CA at the name server with the same code, before any broker is tried', async () => {
    const producer = createInternalProducer({ nameServers: c.endpoint, producerGroup: 'tls-wrong-ca-ns', tls: { ca: c.certificates!.otherCa }, ...quiet });
    await producer.start();
    try {
      const error = (await producer.send({ topic: 'TopicTest', body: 'never stored' }).catch((err: unknown) => err)) as Error & { codeName: string };
      expect(error.codeName).toBe('TLS_HANDSHAKE_FAILED');
      for (const name of Object.keys(c.brokers)) expect(producer.faults!.isAvailable(name)).toBe(true);
    } finally {
      await producer.shutdown();
    }
  });

  it('is refused to a plaintext producer: the enforcing server closes the connection, nothing is stored', async () => {
    const producer = await brokerFirstProducer(c, 'tls-plaintext', undefined);
    try {
      const error = (await producer.send({ topic: 'TopicTest', body: 'never stored' }).catch((err: unknown) => err)) as SendError;
      expect(error.message).toMatch(/requires TLS/);
    } finally {
      await producer.shutdown();
    }
  });

  // The server closes a plaintext connection without a word, as a broker going away would; the
  // producer asks the address for a TLS handshake before it calls it a broker fault.
  it('reports a plaintext producer at an enforcing server as TLS_HANDSHAKE_FAILED, one attempt, no broker isolated', async () => {
    const producer = await brokerFirstProducer(c, 'tls-plaintext-code', undefined);
    try {
      await expectRefusedOnce(producer, c, producer.send({ topic: 'TopicTest', body: 'never stored' }), 'TLS_HANDSHAKE_FAILED');
    } finally {
      await producer.shutdown();
    }
  });

  it('replaces an idle TLS connection with a fresh handshake and sends on it', async () => {
    const producer = createInternalProducer({
      nameServers: c.endpoint,
      producerGroup: 'tls-idle',
      tls: { ca: c.certificates!.ca },
      idleConnectionLimitMs: 300,
      ...quiet,
    });
    await producer.start();
    try {
      // One sharding key: both sends go to the same broker, so the second finds its connection idle.
      await producer.send({ topic: 'TopicOrder', body: 'before idle', shardingKey: 'idle' });
      await new Promise((r) => setTimeout(r, 600));
      const after = await producer.send({ topic: 'TopicOrder', body: 'after idle', shardingKey: 'idle' });

      expect(producer.remoting.staleReplaced).toBeGreaterThan(0);
      expect((await viewByOffsetId(reader, after.offsetMsgId)).body.toString()).toBe('after idle');
    } finally {
      await producer.shutdown();
    }
  });
});

// Mutual TLS is the strictest mode (enforcing, and a verified client certificate): it runs on every
// version of the matrix.
const MUTUAL: [RocketMqVersion, number][] = [
  ['5.3.3', 870],
  ['4.9.7', 900],
  ['5.5.1', 910],
];

for (const [version, offset] of MUTUAL) {
  describe(`TLS mutual on RocketMQ ${version}: the servers require a client certificate signed by our CA`, () => {
    const cluster = useCluster({ version, offset, tls: 'mutual' });
    let c: Cluster;
    let reader: RemotingClient;
    beforeAll(() => {
      c = cluster();
      const { ca, clientCert, clientKey } = c.certificates!;
      reader = new RemotingClient({ tls: { ca, cert: clientCert, key: clientKey } });
    });
    afterAll(() => reader.shutdown());

    it('answers only a TLS client that presents its certificate (servers)', async () => {
      const { ca, clientCert, clientKey } = c.certificates!;
      expect(await answers(c.brokers['broker-a'])).toMatch(/failed/);
      expect(await answers(c.brokers['broker-a'], { ca })).toMatch(/failed/);
      expect(await answers(c.brokers['broker-a'], { ca, cert: clientCert, key: clientKey })).toBe(0);
    });

    it('takes sends from a producer with the client certificate', async () => {
      const { ca, clientCert, clientKey } = c.certificates!;
      const producer = createProducer({
        nameServers: c.endpoint,
        producerGroup: `tls-mutual-${offset}`,
        tls: { ca, cert: clientCert, key: clientKey },
        ...quiet,
      });
      await producer.start();
      try {
        await expectStoredAndReadBack(producer, reader, 'mutual');
      } finally {
        await producer.shutdown();
      }
    });

    it('refuses a producer without a client certificate: TLS_HANDSHAKE_FAILED, one attempt, no broker isolated', async () => {
      const producer = await brokerFirstProducer(c, 'tls-no-client-cert', { ca: c.certificates!.ca });
      try {
        await expectRefusedOnce(producer, c, producer.send({ topic: 'TopicTest', body: 'never stored' }), 'TLS_HANDSHAKE_FAILED');
      } finally {
        await producer.shutdown();
      }
    });
  });
}
