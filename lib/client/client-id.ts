// clientID = clientIP "@" instanceName (ClientConfig.buildMQClientId). A producer whose instance
// name is left at DEFAULT gets pid "#" nanoTime (changeInstanceNameToPID), so two producers in one
// host never share an id.
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

export function buildClientId(instanceName?: string, unitName?: string): string {
  const instance = instanceName && instanceName !== 'DEFAULT' ? instanceName : `${process.pid}#${process.hrtime.bigint()}`;
  return `${localIPv4()}@${instance}${unitName ? `@${unitName}` : ''}`;
}
