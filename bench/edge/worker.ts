// The Worker bench/edge.ts drives inside workerd:
//   GET  /load?nameServer=&topic=&size=&inflight=&ms=   one producer (withEdgeProducer) in this one
//        request, `inflight` sends at once for `ms`; answers the sends and the window.
//   POST /transport?transport=net|sockets&address=&n=&inflight=&connects=   the body is a
//        pre-encoded request frame: `n` round trips of it on one socket with `inflight` at once,
//        or, with connects=1, `n` sockets one after another, each connected, carrying one round
//        trip, and closed (what a producer per request does). The same framing code counts the
//        responses on both transports, so the difference is the transport: node:net (what the
//        producer uses) against cloudflare:sockets connect().
// Time in a Worker moves only with I/O; every figure here ends on a read, so it is the wall time.
import { connect as cloudflareConnect } from 'cloudflare:sockets';
import { connect as netConnect } from 'node:net';
import { withEdgeProducer } from '../../lib/edge.ts';
import { body, run } from '../harness.ts';

/** One socket seen the same way whatever the transport: write a frame, hear of every chunk read. */
interface Pipe {
  write(frame: Uint8Array): void;
  close(): Promise<void>;
}

type Transport = 'net' | 'sockets';

/** Counts whole RocketMQ frames (a 4-byte big-endian length, then that many bytes) in a byte stream. */
class FrameCounter {
  private need = -1;
  private header = new Uint8Array(4);
  private headerHave = 0;
  constructor(private readonly onFrame: () => void) {}

  push(chunk: Uint8Array): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.need < 0) {
        const take = Math.min(4 - this.headerHave, chunk.length - at);
        this.header.set(chunk.subarray(at, at + take), this.headerHave);
        this.headerHave += take;
        at += take;
        if (this.headerHave === 4) {
          this.need = ((this.header[0]! << 24) | (this.header[1]! << 16) | (this.header[2]! << 8) | this.header[3]!) >>> 0;
          this.headerHave = 0;
        }
        continue;
      }
      const take = Math.min(this.need, chunk.length - at);
      this.need -= take;
      at += take;
      if (this.need === 0) {
        this.need = -1;
        this.onFrame();
      }
    }
  }
}

/**
 * A write of frames that gathers those of one tick and hands them on as one chunk, as
 * lib/remoting/connection.ts writes a tick's frames: the same on both transports.
 */
function gathered(schedule: (flush: () => void) => void, writeChunk: (chunk: Uint8Array) => void): (frame: Uint8Array) => void {
  let pending: Uint8Array[] = [];
  const flush = () => {
    const frames = pending;
    pending = [];
    let chunk = frames[0]!;
    if (frames.length > 1) {
      chunk = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
      let at = 0;
      for (const f of frames) {
        chunk.set(f, at);
        at += f.length;
      }
    }
    writeChunk(chunk);
  };
  return (frame) => {
    pending.push(frame);
    if (pending.length === 1) schedule(flush);
  };
}

async function open(transport: Transport, address: string, onChunk: (chunk: Uint8Array) => void): Promise<Pipe> {
  const colon = address.lastIndexOf(':');
  const host = address.slice(0, colon);
  const port = Number(address.slice(colon + 1));
  if (transport === 'net') {
    const socket = netConnect({ host, port });
    // As lib/remoting/connection.ts sets it.
    socket.setNoDelay(true);
    await new Promise<void>((settle, fail) => {
      socket.once('connect', settle);
      socket.once('error', fail);
    });
    socket.on('data', onChunk);
    return {
      write: gathered(
        (flush) => process.nextTick(flush),
        (chunk) => socket.write(chunk),
      ),
      close: () =>
        new Promise<void>((settle) => {
          socket.once('close', () => settle());
          socket.end();
        }),
    };
  }
  const socket = cloudflareConnect({ hostname: host, port });
  await socket.opened;
  const writer = socket.writable.getWriter();
  const reader = socket.readable.getReader();
  const reading = (async () => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      onChunk(value);
    }
  })().catch(() => undefined);
  return {
    // A transport on connect() would have no nextTick of Node's to wait for: the microtask queue.
    write: gathered(queueMicrotask, (chunk) => void writer.write(chunk).catch(() => undefined)),
    close: async () => {
      await socket.close();
      await reading;
    },
  };
}

/** `n` round trips of `frame` on one socket, `inflight` at once; the ms from the first write to the last answer. */
async function roundTrips(transport: Transport, address: string, frame: Uint8Array, n: number, inflight: number): Promise<number> {
  let answered = 0;
  let written = 0;
  let done!: () => void;
  const finished = new Promise<void>((settle) => (done = settle));
  const counter = new FrameCounter(() => {
    answered += 1;
    if (answered === n) done();
    else if (written < n) {
      written += 1;
      pipe.write(frame);
    }
  });
  const pipe = await open(transport, address, (chunk) => counter.push(chunk));
  const begun = Date.now();
  for (; written < Math.min(inflight, n); written++) pipe.write(frame);
  await finished;
  const ms = Date.now() - begun;
  await pipe.close();
  return ms;
}

/** `n` sockets one after another: connect, one round trip, close. */
async function connects(transport: Transport, address: string, frame: Uint8Array, n: number): Promise<number> {
  const begun = Date.now();
  for (let i = 0; i < n; i++) {
    let answered!: () => void;
    const answer = new Promise<void>((settle) => (answered = settle));
    const counter = new FrameCounter(() => answered());
    const pipe = await open(transport, address, (chunk) => counter.push(chunk));
    pipe.write(frame);
    await answer;
    await pipe.close();
  }
  return Date.now() - begun;
}

async function load(query: URLSearchParams): Promise<unknown> {
  const bytes = body(Number(query.get('size') ?? 1024));
  const topic = query.get('topic') ?? 'TopicTest';
  const options = { nameServers: query.get('nameServer')!, producerGroup: 'bench-edge', sendMsgTimeout: 3000, retryTimesWhenSendFailed: 2, logger: () => {} };
  return withEdgeProducer(options, async (producer) => {
    const begun = Date.now();
    const { latencies, failed } = await run(() => producer.send({ topic, body: bytes }), Number(query.get('inflight')), begun + Number(query.get('ms')));
    return { sent: latencies.length - failed, failed, elapsedMs: Date.now() - begun };
  });
}

export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const query = url.searchParams;
    try {
      if (url.pathname === '/load') return Response.json(await load(query));
      if (url.pathname === '/transport') {
        const frame = new Uint8Array(await request.arrayBuffer());
        const transport = query.get('transport') as Transport;
        const address = query.get('address')!;
        const n = Number(query.get('n'));
        const ms =
          query.get('connects') === '1'
            ? await connects(transport, address, frame, n)
            : await roundTrips(transport, address, frame, n, Number(query.get('inflight') ?? 1));
        return Response.json({ transport, n, ms });
      }
      return new Response('not found', { status: 404 });
    } catch (err) {
      return Response.json({ error: String((err as Error).stack ?? err) }, { status: 500 });
    }
  },
};
