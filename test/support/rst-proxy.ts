// A TCP proxy in front of a real broker that can drop its upstream silently and answer the next
// client bytes with a reset: what a client sees when the far side closed an idle socket while the
// client was frozen (a thawed Lambda writing into a dead connection).
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

export interface RstProxy {
  address: string;
  /** The next bytes any current client sends are answered with a TCP reset. */
  killSilently(): void;
  connections: number;
  close(): Promise<void>;
}

export async function startRstProxy(target: string): Promise<RstProxy> {
  const at = target.lastIndexOf(':');
  const sockets = new Set<Socket>();
  let poisoned = new Set<Socket>();
  const proxy: RstProxy = {
    address: '',
    connections: 0,
    killSilently: () => {
      poisoned = new Set(sockets);
    },
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  const server = createServer((client) => {
    proxy.connections += 1;
    sockets.add(client);
    const upstream = connect({ host: target.slice(0, at), port: Number(target.slice(at + 1)) });
    client.on('data', (chunk) => {
      if (poisoned.has(client)) {
        upstream.destroy();
        client.resetAndDestroy();
        return;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => client.write(chunk));
    client.on('close', () => {
      sockets.delete(client);
      upstream.destroy();
    });
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}
