// Heartbeats go alongside the first send to a broker and then once per heartbeatBrokerInterval,
// never on a timer (MQClientInstance.sendHeartbeatToAllBroker runs every 30 s in Java), and never
// past the caller's deadline: the invocation waits for them. On shutdown each broker used hears
// UNREGISTER_CLIENT (MQClientInstance.sendHeartbeatToAllBroker, unregisterClient). Without
// consumers only masters are heartbeated. Failures are reported per address, not thrown: one dead
// broker must not stop the others from hearing from us.
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

export interface HeartbeatSettings {
  clientId: string;
  producerGroup: string;
  intervalMs: number;
  timeoutMs: number;
}

export class HeartbeatScheduler {
  private readonly sentAt = new Map<string, number>();
  failures = 0;

  constructor(
    private readonly remoting: RemotingClient,
    private readonly settings: HeartbeatSettings,
    private readonly track: (work: Promise<unknown>) => void,
  ) {}

  /** Heartbeats `address` beside the send that just used it, when due. */
  ifDue(address: string, deadline = Number.POSITIVE_INFINITY): void {
    const now = Date.now();
    if (now - (this.sentAt.get(address) ?? 0) < this.settings.intervalMs) return;
    const timeoutMs = Math.min(this.settings.timeoutMs, deadline - now);
    if (timeoutMs <= 0) return; // still due: the next send takes it
    this.sentAt.set(address, now);
    this.track(
      this.beat(address, timeoutMs).then((ok) => {
        if (ok) return;
        this.failures += 1;
        this.sentAt.delete(address);
      }),
    );
  }

  /** A heartbeat ahead of any send (a warm start): on success the broker is not due again for an interval. */
  async connect(address: string, timeoutMs: number): Promise<void> {
    if (await this.beat(address, timeoutMs).catch(() => false)) this.sentAt.set(address, Date.now());
  }

  /** One heartbeat now; true when the broker answered it. Also the isolation probe. */
  async beat(address: string, timeoutMs: number): Promise<boolean> {
    const [ack] = await sendHeartbeats(this.remoting, [address], this.settings.clientId, [this.settings.producerGroup], timeoutMs);
    return ack?.ok === true;
  }

  unregisterAll(): Promise<unknown> {
    return unregisterClient(this.remoting, this.sentAt.keys(), this.settings.clientId, this.settings.producerGroup, this.settings.timeoutMs);
  }
}
