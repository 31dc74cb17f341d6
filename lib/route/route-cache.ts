// Topic publish info per topic, refreshed lazily (a Lambda has no background timers): a route
// older than the refresh interval is served at once and fetched again beside the send that found
// it old, so a slow or frozen name server never spends a send's budget. One refresh per topic is
// in flight; after a failure the next waits (1 s, doubling up to the refresh interval), and the old
// route stays (MQClientInstance keeps its table when the name server does not answer). Only a
// topic with no route at all waits for the name server. A topic the name servers do not know
// borrows the default topic's route (TBW102) with capped queue counts, so the broker auto-creates
// it on first send (DefaultMQProducerImpl.tryToFindTopicPublishInfo).
import { rocketError } from '../errors.ts';
import type { NameServerClient } from './name-server.ts';
import { capDefaultTopicRoute, isUsable, toPublishInfo, type TopicPublishInfo } from './publish-info.ts';
import type { TopicRouteData } from '../protocol/topic-route.ts';

export interface RouteCacheOptions {
  /** createTopicKey */
  defaultTopic?: string;
  defaultTopicQueueNums?: number;
  /** pollNameServerInterval */
  refreshIntervalMs?: number;
  now?: () => number;
  /** Called with every real route fetched from a name server (not with TBW102 stand-ins). */
  onFetched?: (topic: string, route: TopicRouteData, fetchedAt: number) => void;
  /** Hands over a background refresh, so whoever owns the work (flush) can wait for it. */
  track?: (work: Promise<unknown>) => void;
}

interface Entry {
  info: TopicPublishInfo;
  fetchedAt: number;
  /** No background refresh before this (a failed one backs off). */
  retryAt: number;
  failures: number;
}

/** When a lookup must end: each name server is asked for at most its timeout, and never past this. */
export interface LookupBounds {
  /** Epoch ms; a lookup never runs past it. */
  deadline?: number;
}

const FIRST_BACKOFF_MS = 1000;
/**
 * A background refresh gives each name server at most this long: a healthy one answers in
 * milliseconds, and the invocation that started it waits for it before returning.
 */
export const BACKGROUND_LOOKUP_MS = 1000;

export class RouteCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<TopicPublishInfo>>();
  readonly defaultTopic: string;
  readonly defaultTopicQueueNums: number;
  private readonly refreshIntervalMs: number;
  private readonly now: () => number;
  private readonly onFetched: RouteCacheOptions['onFetched'];
  private readonly track: RouteCacheOptions['track'];
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
    this.track = options.track;
  }

  /**
   * Publish info for `topic`: the cached route at once (refreshed in the background when old),
   * or, for a topic not seen yet, the name server's answer. Throws NOT_FOUND_TOPIC_EXCEPTION.
   * `background` bounds a background refresh (a Lambda's deadline), `bounds` the lookup awaited.
   */
  async publishInfo(topic: string, bounds: LookupBounds = {}, background: LookupBounds = {}): Promise<TopicPublishInfo> {
    return this.cachedInfo(topic, background) ?? this.refresh(topic, bounds);
  }

  /**
   * The cached route of `topic` at once (its refresh started beside, when due), or undefined when
   * there is none: what publishInfo does without a promise, for the send path.
   */
  cachedInfo(topic: string, background: LookupBounds = {}): TopicPublishInfo | undefined {
    const entry = this.entries.get(topic);
    if (!entry) return undefined;
    if (this.now() - entry.fetchedAt >= this.refreshIntervalMs && this.now() >= entry.retryAt && !this.inFlight.has(topic)) {
      const deadline = Math.min(background.deadline ?? Number.POSITIVE_INFINITY, Date.now() + BACKGROUND_LOOKUP_MS);
      const work = this.refresh(topic, { deadline }).catch(() => undefined); // counted in the entry
      this.track?.(work);
    }
    return entry.info;
  }

  peek(topic: string): TopicPublishInfo | undefined {
    return this.entries.get(topic)?.info;
  }

  /** Uses a route obtained elsewhere (e.g. shared state) as if fetched at `fetchedAt`. */
  put(topic: string, route: TopicRouteData, fetchedAt = this.now()): TopicPublishInfo {
    const info = toPublishInfo(topic, route);
    this.entries.set(topic, { info, fetchedAt, retryAt: 0, failures: 0 });
    return info;
  }

  /** When the cached route of `topic` was fetched, for a caller that keeps its age. */
  fetchedAt(topic: string): number | undefined {
    return this.entries.get(topic)?.fetchedAt;
  }

  /** Every master address of every cached route: broker name -> address. */
  brokerAddresses(): Map<string, string> {
    const masters = new Map<string, string>();
    for (const { info } of this.entries.values()) for (const [broker, address] of info.masters) masters.set(broker, address);
    return masters;
  }

  invalidate(topic: string): void {
    this.entries.delete(topic);
  }

  /** Fetches now (one lookup per topic at a time). Resolves to the new info. */
  refresh(topic: string, bounds: LookupBounds = {}): Promise<TopicPublishInfo> {
    let pending = this.inFlight.get(topic);
    if (!pending) {
      pending = this.fetch(topic, bounds)
        .catch((err: unknown) => {
          const entry = this.entries.get(topic);
          if (entry) {
            entry.failures += 1;
            entry.retryAt = this.now() + Math.min(this.refreshIntervalMs, FIRST_BACKOFF_MS * 2 ** (entry.failures - 1));
          }
          throw err;
        })
        .finally(() => this.inFlight.delete(topic));
      this.inFlight.set(topic, pending);
    }
    return pending;
  }

  private async fetch(topic: string, bounds: LookupBounds): Promise<TopicPublishInfo> {
    this.lookups += 1;
    const route = await this.nameServer.getRoute(topic, bounds.deadline);
    let info = route ? toPublishInfo(topic, route) : undefined;
    if (route && isUsable(info)) this.onFetched?.(topic, route, this.now());
    if (!isUsable(info) && topic !== this.defaultTopic) {
      this.lookups += 1;
      const fallback = await this.nameServer.getRoute(this.defaultTopic, bounds.deadline);
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
    this.entries.set(topic, { info, fetchedAt: this.now(), retryAt: 0, failures: 0 });
    return info;
  }
}
