// Connection behaviour that needs a peer misbehaving on cue. Each test says why a scriptable fake
// peer is used instead of the real broker; real-broker behaviour is in test/route and test/faults.
import { afterEach, describe, expect, it } from 'vitest';
import type { RocketMQError } from '../../lib/internal.ts';
import { Connection, reply, SerializeType, type ConnectionOptions } from '../../lib/internal.ts';
import { respond, startFakePeer, type FakePeer } from '../support/fake-peer.ts';
import { buildJsonFrame } from '../../infra/local/probe.ts';

const peers: FakePeer[] = [];
const connections: Connection[] = [];
const options: ConnectionOptions = { connectTimeoutMs: 2000, maxInFlight: 100, closeOnTimeoutAfterMs: 10_000 };

async function peer(onRequest: Parameters<typeof startFakePeer>[0]): Promise<FakePeer> {
  const p = await startFakePeer(onRequest);
  peers.push(p);
  return p;
}
function open(address: string, extra: Partial<ConnectionOptions> = {}): Connection {
  const c = new Connection(address, { ...options, ...extra });
  connections.push(c);
  return c;
}
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (err: RocketMQError) => err,
  );
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

afterEach(async () => {
  for (const c of connections.splice(0)) c.close();
  await Promise.all(peers.splice(0).map((p) => p.close()));
});

describe('connection', () => {
  it('drops a response that arrives after its request timed out instead of giving it to another caller', async () => {
    // Fake: a real broker cannot be told to answer one request 300 ms late.
    const p = await peer(({ header, socket }) => {
      const delay = header.code === 1 ? 300 : 0;
      setTimeout(() => respond(socket, header.opaque, 0, { remark: `answer to ${header.code}` }), delay);
    });
    const c = open(p.address);

    const late = failure(c.request({ code: 1, extFields: {} }, 100));
    await sleep(150);
    const second = c.request({ code: 2, extFields: {} }, 1000);
    const timedOut = await late;
    const answered = await second;
    await sleep(250);

    expect(timedOut?.codeName).toBe('ACCESS_BROKER_TIMEOUT');
    expect(answered.remark).toBe('answer to 2');
    expect(c.lateResponses).toBe(1);
    expect(c.closed).toBe(false);
  });

  it('times out a short request sent after a long one at its own deadline, and the long one at its own', async () => {
    // Fake: a peer that never answers, which a real broker cannot be made to be on cue. One timer
    // per connection watches every deadline: a later request with an earlier deadline must move it.
    const p = await peer(() => undefined);
    const c = open(p.address);
    await c.connect();
    const settled: string[] = [];
    const long = failure(c.request({ code: 1, extFields: {} }, 600)).then((err) => settled.push(`long ${err?.codeName}`));
    const short = failure(c.request({ code: 2, extFields: {} }, 50)).then((err) => settled.push(`short ${err?.codeName}`));
    await short;
    expect(settled).toEqual(['short ACCESS_BROKER_TIMEOUT']);
    expect(c.pendingCount).toBe(1);
    await long;
    expect(settled).toEqual(['short ACCESS_BROKER_TIMEOUT', 'long ACCESS_BROKER_TIMEOUT']);
    expect(c.pendingCount).toBe(0);
    expect(c.closed).toBe(false);
  });

  it('times out every request past its deadline before a long timeout closes the connection', async () => {
    // Fake: a peer that never answers. The event loop is held past both deadlines, so one firing
    // of the deadline timer finds both due; the long one (sent first) closes the connection, and the
    // short one must still end as a timeout, as its own timer would have ended it.
    const p = await peer(() => undefined);
    const c = open(p.address, { closeOnTimeoutAfterMs: 100 });
    await c.connect();
    const long = failure(c.request({ code: 1, extFields: {} }, 100));
    const short = failure(c.request({ code: 2, extFields: {} }, 20));
    const until = Date.now() + 150;
    while (Date.now() < until) {
      // held: no timer runs
    }
    expect([(await long)?.codeName, (await short)?.codeName]).toEqual(['ACCESS_BROKER_TIMEOUT', 'ACCESS_BROKER_TIMEOUT']);
    expect(c.closed).toBe(true);
  });

  it('closes a connection whose request waited a whole long timeout, rejecting the rest', async () => {
    // Fake: stands for a black-holed socket (a NAT entry gone during a Lambda freeze).
    const p = await peer(() => undefined);
    const c = open(p.address, { closeOnTimeoutAfterMs: 200 });

    const first = failure(c.request({ code: 1, extFields: {} }, 200));
    const other = failure(c.request({ code: 2, extFields: {} }, 5000));

    expect((await first)?.codeName).toBe('ACCESS_BROKER_TIMEOUT');
    expect((await other)?.codeName).toBe('CONNECT_BROKER_EXCEPTION');
    expect(c.closed).toBe(true);
  });

  it('fails fast past the in-flight cap instead of queueing', async () => {
    // Fake: a peer that never answers keeps requests in flight for as long as the test needs.
    const p = await peer(() => undefined);
    const c = open(p.address, { maxInFlight: 2 });

    const held = [c.request({ code: 1, extFields: {} }, 5000), c.request({ code: 1, extFields: {} }, 5000)];
    for (const h of held) h.catch(() => undefined);
    const third = await failure(c.request({ code: 1, extFields: {} }, 5000));

    expect(third?.codeName).toBe('TOO_MANY_REQUESTS');
    expect(third?.retriable).toBe(false);
    expect(c.pendingCount).toBe(2);
  });

  it('sends oneway requests with the oneway flag and never tracks them', async () => {
    // Fake: shows the flag bits as they arrive on the wire.
    const p = await peer(() => undefined);
    const c = open(p.address);

    await c.oneway({ code: 37, extFields: { k: 'v' } });
    await sleep(50);

    expect(c.pendingCount).toBe(0);
    expect(p.received[0]?.header).toMatchObject({ code: 37, flag: 2, extFields: { k: 'v' } });
  });

  it('answers a request from the peer with REQUEST_CODE_NOT_SUPPORTED and never mistakes it for a response', async () => {
    // Fake: a real broker only sends requests to producers in transaction checks.
    let pendingOpaque = -1;
    const p = await peer(({ header, socket }) => {
      if (header.flag & 1) return; // our answer to the peer's request
      pendingOpaque = header.opaque;
      // A request that carries the very opaque of our pending request.
      socket.write(buildJsonFrame({ code: 39, flag: 0, opaque: header.opaque, language: 'JAVA', version: 479, extFields: {} }));
      setTimeout(() => respond(socket, header.opaque, 0, { remark: 'the real response' }), 100);
    });
    const c = open(p.address);

    const response = await c.request({ code: 1, extFields: {} }, 2000);

    expect(response.remark).toBe('the real response');
    const answer = p.received.find((r) => r.header.flag & 1);
    expect(answer?.header).toMatchObject({ code: 3, opaque: pendingOpaque, flag: 1 });
  });

  it('passes peer requests to a handler that can answer them', async () => {
    // Fake: as above, the peer must send us a request on cue.
    const p = await peer(({ header, socket }) => {
      if (header.flag & 1) return;
      socket.write(buildJsonFrame({ code: 39, flag: 0, opaque: 555, language: 'JAVA', version: 479, extFields: {} }));
      setTimeout(() => respond(socket, header.opaque), 100);
    });
    const c = open(p.address, { onRequest: async (request) => ({ ...reply(request, 0, `handled ${request.code}`) }) });

    await c.request({ code: 1, extFields: {} }, 2000);

    expect(p.received.find((r) => r.header.flag & 1)?.header).toMatchObject({ code: 0, opaque: 555, remark: 'handled 39' });
  });

  it('wraps the opaque counter at int32', async () => {
    // Fake: echoes opaques without 2^31 requests to a real broker.
    const p = await peer(({ header, socket }) => respond(socket, header.opaque));
    const c = open(p.address, { firstOpaque: 2 ** 31 - 1 });

    await c.request({ code: 1, extFields: {} }, 1000);
    await c.request({ code: 1, extFields: {} }, 1000);

    expect(p.received.map((r) => r.header.opaque)).toEqual([2147483647, -2147483648]);
  });

  it('connects once for many concurrent first requests', async () => {
    // Fake: counts accepted sockets.
    const p = await peer(({ header, socket }) => respond(socket, header.opaque));
    const c = open(p.address);

    await Promise.all(Array.from({ length: 20 }, () => c.request({ code: 1, extFields: {} }, 1000)));

    expect(p.received.length).toBe(20);
    expect(new Set(p.received.map((r) => r.socket)).size).toBe(1);
  });

  it('closes only the connection that received a hostile frame', async () => {
    // Fake: a real broker never sends a 2 GiB length.
    const hostile = await peer(({ socket }) => socket.write(Buffer.from([0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0])));
    const healthy = await peer(({ header, socket }) => respond(socket, header.opaque));
    const bad = open(hostile.address);
    const good = open(healthy.address);

    const rejected = await failure(bad.request({ code: 1, extFields: {} }, 2000));
    const fine = await good.request({ code: 1, extFields: {} }, 2000);

    expect(rejected?.codeName).toBe('CONNECT_BROKER_EXCEPTION');
    expect((rejected?.cause as RocketMQError | undefined)?.codeName).toBe('PROTOCOL_ERROR');
    expect(bad.closed).toBe(true);
    expect(fine.code).toBe(0);
    expect(good.closed).toBe(false);
  });

  it('rejects with a connection error when nothing listens', async () => {
    const p = await peer(() => undefined);
    const address = p.address;
    await p.close();
    peers.length = 0;

    const error = await failure(open(address).request({ code: 1, extFields: {} }, 1000));

    expect(error?.codeName).toBe('CONNECT_BROKER_EXCEPTION');
    expect(error?.context.address).toBe(address);
  });

  it('encodes requests with our announced language and version, in a ROCKETMQ header unless asked for JSON', async () => {
    // Fake: a real server does not tell which header format a request came in.
    const p = await peer(({ header, socket }) => respond(socket, header.opaque));
    const binary = open(p.address);
    const json = open(p.address, { serializeType: SerializeType.JSON });

    await binary.request({ code: 105, extFields: { topic: 'T', key: 'é' } }, 1000);
    await json.request({ code: 105, extFields: { topic: 'T', key: 'é' } }, 1000);
    await binary.oneway({ code: 106, extFields: { topic: 'T' } });
    while (p.received.length < 3) await sleep(5);

    expect(p.received.map((r) => r.serializeType)).toEqual([SerializeType.ROCKETMQ, SerializeType.JSON, SerializeType.ROCKETMQ]);
    for (const { header } of p.received.slice(0, 2)) {
      expect(header).toMatchObject({ code: 105, language: 'JAVA', version: 479, flag: 0, extFields: { topic: 'T', key: 'é' } });
    }
    expect(p.received[2]?.header).toMatchObject({ code: 106, flag: 2 });
  });
});
