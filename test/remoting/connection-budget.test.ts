// The socket budget of a RemotingClient (maxConnections: Cloudflare Workers allow 6 open
// connections per request) and its socket accounting. Fake peers: the budget is about how many
// addresses one client talks to, more than the local stack has, and one peer must hold a request
// unanswered on cue.
import { afterEach, describe, expect, it } from 'vitest';
import { RemotingClient, type RocketMQError } from '../../lib/internal.ts';
import { respond, startFakePeer, type FakePeer } from '../support/fake-peer.ts';

const peers: FakePeer[] = [];
const clients: RemotingClient[] = [];

async function answering(count: number): Promise<FakePeer[]> {
  const started = await Promise.all(Array.from({ length: count }, () => startFakePeer(({ header, socket }) => respond(socket, header.opaque))));
  peers.push(...started);
  return started;
}
function client(maxConnections?: number): RemotingClient {
  const c = new RemotingClient(maxConnections === undefined ? {} : { maxConnections });
  clients.push(c);
  return c;
}
const ask = (c: RemotingClient, address: string) => c.invoke(address, { code: 34, extFields: {} }, 2000);
const openSockets = (list: FakePeer[]) => list.reduce((n, p) => n + [...p.sockets].filter((s) => !s.destroyed).length, 0);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

afterEach(async () => {
  for (const c of clients.splice(0)) c.shutdown();
  await Promise.all(peers.splice(0).map((p) => p.close()));
});

describe('a client with maxConnections', () => {
  it('closes the least recently used idle socket to open one more, never holding more than the budget', async () => {
    const list = await answering(4);
    const c = client(3);

    for (const p of list) {
      await ask(c, p.address);
      await sleep(5); // distinct last-use times
    }
    await sleep(50);

    expect(c.addresses()).toEqual(list.slice(1).map((p) => p.address));
    expect(openSockets(list)).toBe(3);
    expect(c.socketsOpen).toBe(3);
    expect({ opened: c.socketsOpened, evicted: c.socketsEvicted }).toEqual({ opened: 4, evicted: 1 });
  });

  it('refuses a new socket with CONNECTION_LIMIT, retriable, when every socket of the budget has a request in flight', async () => {
    const quiet = await Promise.all([startFakePeer(() => undefined), startFakePeer(() => undefined)]);
    peers.push(...quiet);
    const [third] = await answering(1);
    const c = client(2);
    const held = quiet.map((p) => ask(c, p.address).catch(() => undefined));
    await sleep(50);

    const refused = await ask(c, third!.address).then(
      () => undefined,
      (err: RocketMQError) => err,
    );

    expect(refused?.codeName).toBe('CONNECTION_LIMIT');
    expect(refused?.retriable).toBe(true);
    expect(third!.received).toEqual([]);
    expect(c.addresses()).toEqual(quiet.map((p) => p.address));
    c.shutdown();
    await Promise.all(held);
  });

  it('opens as many sockets as it needs without one', async () => {
    const list = await answering(8);
    const c = client();

    for (const p of list) await ask(c, p.address);

    expect(c.addresses().length).toBe(8);
    expect(c.socketsEvicted).toBe(0);
  });

  it('reports every socket closed once the runtime has closed them after shutdown', async () => {
    const list = await answering(3);
    const c = client();
    for (const p of list) await ask(c, p.address);

    c.shutdown();
    const stillOpen = await c.socketsClosed(1000);

    expect(stillOpen).toBe(0);
    expect(c.socketsOpen).toBe(0);
    expect(c.socketsOpened).toBe(3);
  });
});
