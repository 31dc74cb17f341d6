// Heartbeats to the brokers a producer uses, and UNREGISTER_CLIENT to each on shutdown
// (MQClientInstance.sendHeartbeatToAllBroker, unregisterClient). Without consumers only masters
// are heartbeated. Failures are reported per address, not thrown: one dead broker must not stop
// the others from hearing from us.
import { heartbeatRequest, parseAck, unregisterRequest } from '../protocol/heartbeat.ts';
import type { RemotingClient } from '../remoting/remoting-client.ts';

export type AckResult = { address: string; ok: true; brokerVersion: number } | { address: string; ok: false; error: Error };

async function each(addresses: Iterable<string>, call: (address: string) => Promise<{ brokerVersion: number }>): Promise<AckResult[]> {
  return Promise.all(
    [...new Set(addresses)].map(async (address): Promise<AckResult> => {
      try {
        return { address, ok: true, ...(await call(address)) };
      } catch (err) {
        return { address, ok: false, error: err as Error };
      }
    }),
  );
}

export function sendHeartbeats(
  remoting: RemotingClient,
  brokerAddresses: Iterable<string>,
  clientId: string,
  producerGroups: string[],
  timeoutMs: number,
): Promise<AckResult[]> {
  const request = heartbeatRequest(clientId, producerGroups);
  return each(brokerAddresses, async (address) => parseAck(await remoting.invoke(address, request, timeoutMs), address));
}

export function unregisterClient(
  remoting: RemotingClient,
  brokerAddresses: Iterable<string>,
  clientId: string,
  producerGroup: string,
  timeoutMs: number,
): Promise<AckResult[]> {
  const request = unregisterRequest(clientId, producerGroup);
  return each(brokerAddresses, async (address) => parseAck(await remoting.invoke(address, request, timeoutMs), address));
}
