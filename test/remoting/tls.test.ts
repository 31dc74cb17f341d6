// TLS on the wire, against scripted TLS peers with certificates made for the test: a broker that
// verifies, a wrong CA, mutual TLS with and without a client certificate. A scripted peer because
// the failure cases need servers configured wrong on purpose; test/clusters runs the real brokers.
import { createServer, type Server, type Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInternalProducer, RemotingClient, RequestCode, type RocketMQError, type SendError } from '../../lib/internal.ts';
import { respond, startFakePeer, type FakePeer } from '../support/fake-peer.ts';
import { makeCertificates, type TestCertificates } from '../support/tls-certs.ts';

let certs: TestCertificates;
const peers: FakePeer[] = [];
const answerAll = (peer: Parameters<Parameters<typeof startFakePeer>[0]>[0]) => respond(peer.socket, peer.header.opaque, 0);

beforeAll(() => {
  certs = makeCertificates();
});
afterAll(async () => {
  for (const peer of peers) await peer.close();
});

async function tlsPeer(options: { requireClientCert?: boolean } = {}, onRequest = answerAll): Promise<FakePeer> {
  const tls = {
    key: certs.serverKey,
    cert: certs.serverCert,
    ...(options.requireClientCert ? { ca: certs.ca, requestCert: true, rejectUnauthorized: true } : {}),
  };
  const peer = await startFakePeer(onRequest, { tls });
  peers.push(peer);
  return peer;
}

const heartbeat = { code: RequestCode.HEART_BEAT, extFields: {} };

describe('TLS connections', () => {
  it('talks RocketMQ over TLS to a server whose certificate the given CA signed', async () => {
    const peer = await tlsPeer();
    const client = new RemotingClient({ tls: { ca: certs.ca } });

    const response = await client.invoke(peer.address, heartbeat, 2000);
    client.shutdown();

    expect(response.code).toBe(0);
    expect(peer.received).toHaveLength(1);
  });

  it('fails fast with TLS_HANDSHAKE_FAILED when the server certificate is from another CA', async () => {
    const peer = await tlsPeer();
    const client = new RemotingClient({ tls: { ca: certs.otherCa } });

    const error = (await client.invoke(peer.address, heartbeat, 5000).catch((e: RocketMQError) => e)) as RocketMQError;
    client.shutdown();

    expect(error.codeName).toBe('TLS_HANDSHAKE_FAILED');
    expect(error.retriable).toBe(false);
    expect(peer.received).toHaveLength(0);
  });

  it('refuses a mutual-TLS server without a client certificate, and passes with one', async () => {
    const peer = await tlsPeer({ requireClientCert: true });
    const without = new RemotingClient({ tls: { ca: certs.ca } });
    const withCert = new RemotingClient({ tls: { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey } });

    const refused = (await without.invoke(peer.address, heartbeat, 5000).catch((e: RocketMQError) => e)) as RocketMQError;
    const accepted = await withCert.invoke(peer.address, heartbeat, 5000);
    without.shutdown();
    withCert.shutdown();

    expect(refused.codeName).toBe('TLS_HANDSHAKE_FAILED');
    expect(refused.message.split(peer.address).length).toBe(2); // the address named once
    expect(accepted.code).toBe(0);
  });
});

describe('a producer with a TLS misconfiguration', () => {
  it('fails the send with TLS_HANDSHAKE_FAILED after one attempt and isolates no broker', async () => {
    // The name server's certificate is trusted; the broker's was signed by another CA.
    const broker = await startFakePeer(answerAll, { tls: { key: certs.otherServerKey, cert: certs.otherServerCert } });
    peers.push(broker);
    const route = {
      brokerDatas: [{ brokerName: 'b', cluster: 'C', brokerAddrs: { '0': broker.address } }],
      queueDatas: [{ brokerName: 'b', readQueueNums: 1, writeQueueNums: 1, perm: 6, topicSysFlag: 0 }],
    };
    const nameServer = await tlsPeer({}, ({ header, socket }) => respond(socket, header.opaque, 0, {}, Buffer.from(JSON.stringify(route))));
    const producer = createInternalProducer({ nameServers: [nameServer.address], producerGroup: 'tls-test', tls: { ca: certs.ca } });
    await producer.start({ warmTopics: ['T'] });

    const error = (await producer.send({ topic: 'T', body: 'x' }).catch((e: SendError) => e)) as SendError;
    const stillAvailable = producer.faults!.isAvailable('b');
    await producer.shutdown();

    expect(error.codeName).toBe('TLS_HANDSHAKE_FAILED');
    expect(error.attempts).toBe(1);
    expect(stillAvailable).toBe(true);
    expect(broker.received).toHaveLength(0);
  });

  it('refuses TLS settings Node cannot use, and a key without its certificate, before connecting', () => {
    expect(() => createInternalProducer({ nameServers: 'a:1', producerGroup: 'g', tls: { ca: 'not a certificate' } })).toThrow(/options\.tls/);
    expect(() => createInternalProducer({ nameServers: 'a:1', producerGroup: 'g', tls: { key: certs.clientKey } })).toThrow(/options\.tls\.cert/);
    expect(() => createInternalProducer({ nameServers: 'a:1', producerGroup: 'g', tls: { verify: false } as never })).toThrow(/options\.tls\.verify/);
  });
});

/**
 * A server that closes a plaintext connection at its first byte without a word, as RocketMQ's
 * TLS `enforcing` mode does (TlsModeHandler); with `tls`, a connection that opens with a TLS
 * record (0x16) gets a handshake. Scripted: the real enforcing brokers run in test/clusters.
 */
async function closingServer(tls: boolean): Promise<{ address: string; server: Server }> {
  const server = createServer((socket: Socket) => {
    socket.once('data', (chunk) => {
      if (!tls || chunk[0] !== 0x16) return socket.destroy();
      socket.pause();
      socket.unshift(chunk);
      const secure = new TLSSocket(socket, { isServer: true, key: certs.serverKey, cert: certs.serverCert });
      secure.on('error', () => secure.destroy());
      secure.resume();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { address: `127.0.0.1:${(server.address() as { port: number }).port}`, server };
}

describe('a plaintext client at a server that closes it without a word', () => {
  it('learns the server wants TLS when a TLS handshake with it completes: TLS_HANDSHAKE_FAILED, not retriable', async () => {
    const { address, server } = await closingServer(true);
    const client = new RemotingClient();

    const error = (await client.invoke(address, heartbeat, 5000).catch((e: RocketMQError) => e)) as RocketMQError;
    client.shutdown();
    server.close();

    expect([error.codeName, error.retriable]).toEqual(['TLS_HANDSHAKE_FAILED', false]);
    expect(error.message).toMatch(/requires TLS/);
  });

  it('takes a server that closes and speaks no TLS for a broker going away: CONNECT_BROKER_EXCEPTION, retriable', async () => {
    const { address, server } = await closingServer(false);
    const client = new RemotingClient();

    const error = (await client.invoke(address, heartbeat, 5000).catch((e: RocketMQError) => e)) as RocketMQError;
    client.shutdown();
    server.close();

    expect([error.codeName, error.retriable]).toEqual(['CONNECT_BROKER_EXCEPTION', true]);
  });
});
