// A scriptable RocketMQ peer on loopback, for what a real broker cannot be made to do on demand:
// answer late, never answer, send us requests, or write malformed bytes. Each test that uses it
// says why. It cuts frames with the naive logic of infra/local/probe.ts, not with lib/.
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TlsOptions } from 'node:tls';
import { buildJsonFrame } from '../../infra/local/probe.ts';

export interface PeerRequest {
  header: { code: number; opaque: number; flag: number; extFields?: Record<string, string>; remark?: string };
  body: Buffer;
  socket: Socket;
}

export interface FakePeer {
  address: string;
  received: PeerRequest[];
  sockets: Set<Socket>;
  close(): Promise<void>;
}

export function respond(socket: Socket, opaque: number, code = 0, extra: object = {}, body?: Buffer): void {
  socket.write(buildJsonFrame({ code, flag: 1, opaque, language: 'JAVA', version: 479, ...extra }, body));
}

/** `tls` makes it a TLS server (its certificate, and whom it asks for a client certificate). */
export async function startFakePeer(onRequest: (request: PeerRequest) => void, options: { tls?: TlsOptions } = {}): Promise<FakePeer> {
  const received: PeerRequest[] = [];
  const sockets = new Set<Socket>();
  const accept = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 4 && buffered.length >= 4 + buffered.readInt32BE(0)) {
        const length = buffered.readInt32BE(0);
        const headerLength = buffered.readUInt32BE(4) & 0xffffff;
        const header = JSON.parse(buffered.subarray(8, 8 + headerLength).toString('utf8'));
        const request = { header, body: Buffer.from(buffered.subarray(8 + headerLength, 4 + length)), socket };
        buffered = buffered.subarray(4 + length);
        received.push(request);
        onRequest(request);
      }
    });
  };
  const server: Server = options.tls ? createTlsServer(options.tls, accept) : createServer(accept);
  if (options.tls) server.on('tlsClientError', () => undefined); // a refused client is the test's point
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    sockets,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
