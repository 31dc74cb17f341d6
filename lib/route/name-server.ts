// Route lookups against a list of name servers with failover: stay on the one that answers,
// move on when it does not (MQClientAPIImpl / NettyRemotingClient.getAndCreateNameserverChannel).
// Every name server holds the whole cluster's routes, so a TOPIC_NOT_EXIST from one is final.
import { ClientError, RocketMQError, rocketError } from '../errors.ts';
import { decodeRouteResponse, parseRouteResponse, routeRequest } from '../protocol/route.ts';
import type { RemotingClient } from '../remoting/remoting-client.ts';
import type { TopicRouteData } from './topic-route.ts';

export class NameServerClient {
  private current: number;

  constructor(
    private readonly remoting: RemotingClient,
    readonly addresses: readonly string[],
    private readonly timeoutMs: number,
  ) {
    if (addresses.length === 0) throw rocketError('NO_NAME_SERVER_EXCEPTION', 'no name server address given');
    this.current = Math.floor(Math.random() * addresses.length);
  }

  /** The route of `topic`, or null when the name servers do not know it; never runs past `deadline`. */
  async getRoute(topic: string, deadline = Number.POSITIVE_INFINITY): Promise<TopicRouteData | null> {
    const failures: string[] = [];
    for (let i = 0; i < this.addresses.length; i++) {
      const index = (this.current + i) % this.addresses.length;
      const address = this.addresses[index]!;
      const timeoutMs = Math.min(this.timeoutMs, deadline - Date.now());
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
        if (err instanceof ClientError) throw err;
        failures.push(`${address}: ${err instanceof RocketMQError ? err.message : String(err)}`);
      }
    }
    throw rocketError(
      'NO_NAME_SERVER_EXCEPTION',
      `no name server answered the route of ${topic} (${failures.join('; ')})`,
      { topic },
    );
  }
}
