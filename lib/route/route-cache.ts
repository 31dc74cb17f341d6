// Topic publish info per topic, refreshed lazily (a Lambda has no background timers): a route
// older than the refresh interval is fetched again on next use, and a failed refresh keeps the
// old route (MQClientInstance keeps its table when the name server does not answer). A topic the
// name servers do not know borrows the default topic's route (TBW102) with capped queue counts,
// so the broker auto-creates it on first send (DefaultMQProducerImpl.tryToFindTopicPublishInfo).
import { rocketError } from '../errors.ts';
import type { NameServerClient } from './name-server.ts';
import { capDefaultTopicRoute, isUsable, toPublishInfo, type TopicPublishInfo } from './publish-info.ts';
import type { TopicRouteData } from './topic-route.ts';

export interface RouteCacheOptions {
  /** createTopicKey */
  defaultTopic?: string;
  defaultTopicQueueNums?: number;
  /** pollNameServerInterval */
  refreshIntervalMs?: number;
  now?: () => number;
  /** Called with every real route fetched from a name server (not with TBW102 stand-ins). */
  onFetched?: (topic: string, route: TopicRouteData, fetchedAt: number) => void;
}

interface Entry {
  info: TopicPublishInfo;
  fetchedAt: number;
}

export class RouteCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<TopicPublishInfo>>();
  readonly defaultTopic: string;
  readonly defaultTopicQueueNums: number;
  private readonly refreshIntervalMs: number;
  private readonly now: () => number;
  private readonly onFetched: RouteCacheOptions['onFetched'];
  /** Name server lookups made, for tests and metrics. */
  lookups = 0;

  constructor(
    private readonly nameServer: NameServerClient,
    options: RouteCacheOptions = {},
  ) {
    this.defaultTopic = options.defaultTopic ?? 'TBW102';
    this.defaultTopicQueueNums = options.defaultTopicQueueNums ?? 4;
    this.refreshIntervalMs = options.refreshIntervalMs ?? 30_000;
    this.now = options.now ?? Date.now;
    this.onFetched = options.onFetched;
  }

  /** Publish info for `topic`, from the cache while fresh. Throws NOT_FOUND_TOPIC_EXCEPTION. */
  async publishInfo(topic: string): Promise<TopicPublishInfo> {
    const entry = this.entries.get(topic);
    if (entry && this.now() - entry.fetchedAt < this.refreshIntervalMs) return entry.info;
    try {
      return await this.refresh(topic);
    } catch (err) {
      if (entry) return entry.info; // keep serving the last known route
      throw err;
    }
  }

  peek(topic: string): TopicPublishInfo | undefined {
    return this.entries.get(topic)?.info;
  }

  /** Uses a route obtained elsewhere (e.g. shared state) as if fetched at `fetchedAt`. */
  put(topic: string, route: TopicRouteData, fetchedAt = this.now()): TopicPublishInfo {
    const info = toPublishInfo(topic, route);
    this.entries.set(topic, { info, fetchedAt });
    return info;
  }

  invalidate(topic: string): void {
    this.entries.delete(topic);
  }

  /** Fetches now (one lookup per topic at a time). Resolves to the new info. */
  refresh(topic: string): Promise<TopicPublishInfo> {
    let pending = this.inFlight.get(topic);
    if (!pending) {
      pending = this.fetch(topic).finally(() => this.inFlight.delete(topic));
      this.inFlight.set(topic, pending);
    }
    return pending;
  }

  private async fetch(topic: string): Promise<TopicPublishInfo> {
    this.lookups += 1;
    const route = await this.nameServer.getRoute(topic);
    let info = route ? toPublishInfo(topic, route) : undefined;
    if (route && isUsable(info)) this.onFetched?.(topic, route, this.now());
    if (!isUsable(info) && topic !== this.defaultTopic) {
      this.lookups += 1;
      const fallback = await this.nameServer.getRoute(this.defaultTopic);
      if (fallback) info = toPublishInfo(topic, capDefaultTopicRoute(fallback, this.defaultTopicQueueNums), true);
    }
    if (!isUsable(info)) {
      throw rocketError(
        'NOT_FOUND_TOPIC_EXCEPTION',
        `no route for topic ${topic}: name servers ${this.nameServer.addresses.join(', ')} know neither it ` +
          `nor the default topic ${this.defaultTopic} with a writable master queue`,
        { topic },
      );
    }
    this.entries.set(topic, { info, fetchedAt: this.now() });
    return info;
  }
}
