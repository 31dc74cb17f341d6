// A scriptable RocketMQ peer on loopback, for what a real broker cannot be made to do on demand:
// answer late, never answer, send us requests, or write malformed bytes. Each test that uses it
// says why. It cuts frames with the naive logic of infra/local/probe.ts, not with lib/.
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TlsOptions } from 'node:tls';
import { buildJsonFrame } from '../../infra/local/probe.ts';

export interface PeerRequest {
  /** 0 for a JSON header, 1 for a ROCKETMQ binary one. */
  serializeType: number;
  header: { code: number; language?: string; version?: number; opaque: number; flag: number; extFields?: Record<string, string>; remark?: string };
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

/** RocketMQSerializable's layout, read field by field. */
export function readBinaryHeader(bytes: Buffer): PeerRequest['header'] {
  const remarkLength = bytes.readInt32BE(13);
  const header: PeerRequest['header'] = {
    code: bytes.readInt16BE(0),
    language: bytes[2] === 0 ? 'JAVA' : `LANGUAGE_${bytes[2]}`,
    version: bytes.readInt16BE(3),
    opaque: bytes.readInt32BE(5),
    flag: bytes.readInt32BE(9),
    extFields: {},
  };
  if (remarkLength > 0) header.remark = bytes.toString('utf8', 17, 17 + remarkLength);
  let at = 17 + remarkLength + 4;
  while (at < bytes.length) {
    const keyLength = bytes.readInt16BE(at);
    const key = bytes.toString('utf8', at + 2, at + 2 + keyLength);
    at += 2 + keyLength;
    const valueLength = bytes.readInt32BE(at);
    header.extFields![key] = bytes.toString('utf8', at + 4, at + 4 + valueLength);
    at += 4 + valueLength;
  }
  return header;
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
        const serializeType = buffered[4]!;
        const headerLength = buffered.readUInt32BE(4) & 0xffffff;
        const headerBytes = buffered.subarray(8, 8 + headerLength);
        const header = serializeType === 1 ? readBinaryHeader(headerBytes) : JSON.parse(headerBytes.toString('utf8'));
        const request = { serializeType, header, body: Buffer.from(buffered.subarray(8 + headerLength, 4 + length)), socket };
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
