// Route lookups against a list of name servers with failover: stay on the one that answers,
// move on when it does not (MQClientAPIImpl / NettyRemotingClient.getAndCreateNameserverChannel).
// Every name server holds the whole cluster's routes, so a TOPIC_NOT_EXIST from one is final.
import { ClientError, ERROR_TABLE, RocketMQError, rocketError } from '../errors.ts';
import { decodeRouteResponse, parseRouteResponse, routeRequest } from '../protocol/route.ts';
import type { RemotingClient } from '../remoting/remoting-client.ts';
import type { TopicRouteData } from '../protocol/topic-route.ts';

const CONFIGURATION_ERRORS = new Set<number>([ERROR_TABLE.ACCESS_DENIED.code, ERROR_TABLE.TLS_HANDSHAKE_FAILED.code]);

export class NameServerClient {
  private current: number;

  constructor(
    private readonly remoting: RemotingClient,
    readonly addresses: readonly string[],
    private readonly timeoutMs: number,
    /** Which name server to ask first; a random one, as the Java client picks. */
    start = Math.floor(Math.random() * addresses.length),
  ) {
    if (addresses.length === 0) throw rocketError('NO_NAME_SERVER_EXCEPTION', 'no name server address given');
    this.current = start % addresses.length;
  }

  /** The route of `topic`, or null when the name servers do not know it; never runs past `deadline`. */
  async getRoute(topic: string, deadline = Number.POSITIVE_INFINITY): Promise<TopicRouteData | null> {
    const failures: string[] = [];
    const count = this.addresses.length;
    const first = this.current;
    for (let i = 0; i < count; i++) {
      const index = (first + i) % count;
      const address = this.addresses[index]!;
      // Each name server left gets an equal share of what is left, so one frozen server cannot
      // take a bounded lookup's whole time from the ones after it.
      const timeoutMs = Math.min(this.timeoutMs, Math.floor((deadline - Date.now()) / (count - i)));
      if (timeoutMs <= 0) {
        failures.push(`${address}: not asked, no time left`);
        break;
      }
      try {
        const response = await this.remoting.invoke(address, routeRequest(topic), timeoutMs);
        const route = parseRouteResponse(decodeRouteResponse(response), topic, address);
        this.current = index;
        return route;
      } catch (err) {
        // Our configuration (credentials, TLS) is as wrong for the next name server as for this one.
        if (err instanceof ClientError || (err instanceof RocketMQError && CONFIGURATION_ERRORS.has(err.code))) throw err;
        if (index === this.current) this.current = (index + 1) % count; // start elsewhere next time
        failures.push(`${address}: ${err instanceof RocketMQError ? err.message : String(err)}`);
      }
    }
    throw rocketError('NO_NAME_SERVER_EXCEPTION', `no name server answered the route of ${topic} (${failures.join('; ')})`, { topic });
  }
}
