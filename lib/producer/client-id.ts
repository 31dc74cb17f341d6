// clientID = clientIP "@" instanceName (ClientConfig.buildMQClientId). A producer whose instance
// name is left at DEFAULT gets pid "#" nanoTime (changeInstanceNameToPID), so two producers in one
// host never share an id.
import { localIPv4 } from '../remoting/local-address.ts';

export function buildClientId(instanceName?: string, unitName?: string): string {
  const instance = instanceName && instanceName !== 'DEFAULT' ? instanceName : `${process.pid}#${process.hrtime.bigint()}`;
  return `${localIPv4()}@${instance}${unitName ? `@${unitName}` : ''}`;
}
