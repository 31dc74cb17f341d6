// A relay in front of a real name server (or proxy) that records the header format of every request
// passing through (a real server does not tell which one it got) and, with `legacyRoutes`, turns
// every route request into the one an old client sends: version 100 and no
// `acceptStandardJsonOnly`. The real server then answers in fastjson's default form
// (`"brokerAddrs":{0:"127.0.0.1:10911"}`, not JSON), which our producer never asks for itself; this
// is how a test makes a real server write it to the producer. Every other frame passes unchanged.
// Frames are cut with the naive logic of infra/local/probe.ts.
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { buildJsonFrame, splitAddress } from '../../infra/local/probe.ts';
import { readBinaryHeader } from './fake-peer.ts';

const GET_ROUTEINFO_BY_TOPIC = 105;

export interface RouteRelay {
  address: string;
  /** Bodies of the route answers that passed through, as text (with `legacyRoutes`). */
  routeBodies: string[];
  /** The serialize type (0 JSON, 1 ROCKETMQ) of every request that passed through, in order. */
  requestFormats: number[];
  close(): Promise<void>;
}

/** Calls `onFrame` with every whole frame in `chunk` plus what was left over before. */
function frames(onFrame: (frame: Buffer) => void): (chunk: Buffer) => void {
  let buffered = Buffer.alloc(0);
  return (chunk) => {
    buffered = Buffer.concat([buffered, chunk]);
    while (buffered.length >= 4 && buffered.length >= 4 + buffered.readInt32BE(0)) {
      const length = buffered.readInt32BE(0);
      onFrame(buffered.subarray(0, 4 + length));
      buffered = buffered.subarray(4 + length);
    }
  };
}

/** The header of a frame in either format (our requests carry ROCKETMQ binary ones by default). */
function header(frame: Buffer): Record<string, unknown> {
  const word = frame.readUInt32BE(4);
  const bytes = frame.subarray(8, 8 + (word & 0xffffff));
  return word >>> 24 === 0 ? JSON.parse(bytes.toString('utf8')) : readBinaryHeader(bytes);
}

export async function startRouteRelay(target: string, options: { legacyRoutes: boolean }): Promise<RouteRelay> {
  const [host, port] = splitAddress(target);
  const sockets = new Set<Socket>();
  const relay: RouteRelay = {
    address: '',
    routeBodies: [],
    requestFormats: [],
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  const server = createServer((client) => {
    const upstream = connect({ host, port });
    sockets.add(client).add(upstream);
    const routeOpaques = new Set<number>();
    client.on(
      'data',
      frames((frame) => {
        relay.requestFormats.push(frame.readUInt32BE(4) >>> 24);
        const request = header(frame);
        if (!options.legacyRoutes || request.code !== GET_ROUTEINFO_BY_TOPIC) {
          upstream.write(frame);
          return;
        }
        const word = frame.readUInt32BE(4);
        const body = frame.subarray(8 + (word & 0xffffff));
        const { acceptStandardJsonOnly: _dropped, ...extFields } = (request.extFields ?? {}) as Record<string, string>;
        routeOpaques.add(request.opaque as number);
        upstream.write(buildJsonFrame({ ...request, version: 100, extFields }, body));
      }),
    );
    upstream.on(
      'data',
      frames((frame) => {
        const response = header(frame);
        if (routeOpaques.delete(response.opaque as number)) {
          relay.routeBodies.push(frame.subarray(8 + (frame.readUInt32BE(4) & 0xffffff)).toString('utf8'));
        }
        client.write(frame);
      }),
    );
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    for (const s of [client, upstream]) {
      s.on('close', end);
      s.on('error', end);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  relay.address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return relay;
}
