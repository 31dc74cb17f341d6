// TLS from a Worker in workerd, whose node:tls differs from Node's (lib/remoting/workerd-tls.ts):
// the producer opens its TLS sockets as such, so that a failed handshake is reported (an upgraded
// plain socket only times out) and told from an address workerd may not reach, and it refuses
// before connecting the settings workerd would ignore or throw at. The TLS endpoint is a
// TLS terminator in this process in front of the local name server (the stack speaks plain TCP),
// with a certificate of a test CA the workerd network service is told to trust.
import { connect as tcpConnect } from 'node:net';
import { createServer, type Server } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureEdgeRuntime } from '../../infra/edge-runtimes.ts';
import { REPO_ROOT } from '../../infra/local/config.ts';
import { makeCertificates, type TestCertificates } from '../support/tls-certs.ts';
import { type ServedWorker, serveWorker } from './support/workerd.ts';

const stack = inject('stack');
const ENTRY = `${REPO_ROOT}/test/edge/programs/tls-worker.ts`;
let certs: TestCertificates;
let terminator: Server;
let tlsAddress: string;
let worker: ServedWorker;

/** A TLS server with `cert` that forwards every connection to `target` in plain TCP. */
async function terminate(target: string, cert: string, key: string): Promise<Server> {
  const at = target.lastIndexOf(':');
  const server = createServer({ cert, key }, (client) => {
    const upstream = tcpConnect({ host: target.slice(0, at), port: Number(target.slice(at + 1)) });
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

beforeAll(async () => {
  certs = makeCertificates();
  terminator = await terminate(stack.nameServer, certs.serverCert, certs.serverKey);
  // By name: workerd could upgrade a plain socket to TLS without a server name, never with one.
  tlsAddress = `localhost:${(terminator.address() as AddressInfo).port}`;
  worker = await serveWorker(ensureEdgeRuntime('workerd'), { entry: ENTRY, trustedCertificates: [certs.ca] });
});

afterAll(async () => {
  await worker?.close();
  await new Promise((resolve) => terminator?.close(resolve));
});

const get = async (path: string) => {
  const response = await fetch(`${worker.url}${path}`);
  return { status: response.status, body: (await response.json()) as { error: { code: string; message: string }; brokers: string[] } & unknown[] };
};

describe('TLS from a Worker in workerd', () => {
  it('reads a route from a name server over TLS, by its host name', async () => {
    const { status, body } = await get(`/route?address=${tlsAddress}&topic=TopicTest`);

    // The stack is shared: a broker another run has stopped may be missing from the route.
    expect(status).toBe(200);
    expect(body.brokers.length).toBeGreaterThan(0);
    expect(body.brokers.filter((name: string) => !['broker-a', 'broker-b'].includes(name))).toEqual([]);
  });

  it('refuses before connecting every TLS setting workerd would ignore or throw at, naming it', async () => {
    const { body } = await get('/refusals');

    expect(body).toEqual([
      { tls: ['ca'], code: 'INVALID_ARGUMENT', field: 'options.tls.ca' },
      { tls: ['cert', 'key'], code: 'INVALID_ARGUMENT', field: 'options.tls.cert' },
      { tls: ['servername'], code: 'INVALID_ARGUMENT', field: 'options.tls.servername' },
      { tls: ['rejectUnauthorized'], code: 'INVALID_ARGUMENT', field: 'options.tls.rejectUnauthorized' },
    ]);
  });

  it('fails a connection to a server whose certificate workerd does not trust as TLS_HANDSHAKE_FAILED, at once', async () => {
    const untrusted = await terminate(stack.nameServer, certs.otherServerCert, certs.otherServerKey);
    try {
      const { status, body } = await get(`/route?address=127.0.0.1:${(untrusted.address() as AddressInfo).port}`);

      expect(status).toBe(500);
      expect(body.error.code).toBe('TLS_HANDSHAKE_FAILED');
      expect(body.error.message).toContain('workerd refused its certificate');
    } finally {
      await new Promise((resolve) => untrusted.close(resolve));
    }
  });
});
