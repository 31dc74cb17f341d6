// This host's address as the Java client picks it (UtilAll.getIP): the first public IPv4, else a
// private one, else loopback. Used in client ids and unique message ids.
import { networkInterfaces } from 'node:os';

export function localIPv4(): string {
  let privateAddress: string | undefined;
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) {
      if (a.family !== 'IPv4' || a.internal) continue;
      if (!/^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.)/.test(a.address)) return a.address;
      privateAddress ??= a.address;
    }
  }
  return privateAddress ?? '127.0.0.1';
}
