// The edge entry (the package's "./edge"): a producer per request, for Cloudflare Workers, where a
// socket can be made neither at global scope nor outlive the request that opened it, and a request
// may hold 6 connections at once. What a warm Lambda producer keeps between invocations is kept
// here between the requests of one isolate without a socket: routes and broker isolations live in
// a MemorySharedState per isolate and cluster, which every request's producer loads at start (no
// name server lookup while a route is fresh) and writes back what it learned. To share them with
// every isolate (and the Lambda functions) instead, pass a DynamoDB state for the edge
// (edgeDynamoDbState of rocketmq-lambda/dynamodb). Deno and Bun can use it as well; there a
// long-lived createProducer is the better fit.
import type { Producer, ProducerStats } from './producer/api.ts';
import type { ProducerOptions } from './producer/options.ts';
import { createProducer } from './producer/producer.ts';
import { splitHostPorts } from './rules.ts';
import { MemorySharedState, type SharedState } from './state/shared-state.ts';

/** Open connections Cloudflare Workers allow one request, fetch() and sockets together. */
export const WORKERS_CONNECTION_LIMIT = 6;

export interface EdgeProducerOptions extends Omit<ProducerOptions, 'scope'> {
  /**
   * Sockets one request's producer may hold at once, name server and brokers together; default
   * WORKERS_CONNECTION_LIMIT, one less with a `sharedState` of its own (its writes are fetch()
   * calls during the sends). Lower it by what the request opens besides (a fetch() running
   * alongside the send counts).
   */
  maxConnections?: number;
  /**
   * Where routes and isolations outlive the request; default the isolate's memory (isolateState).
   * edgeDynamoDbState (rocketmq-lambda/dynamodb) shares them with every isolate through DynamoDB.
   */
  sharedState?: SharedState;
  /** Called after shutdown with the producer's final counters: sockets opened and still open, lookups. */
  onClosed?: (stats: ProducerStats) => void;
}

const isolateStates = new Map<string, MemorySharedState>();

/**
 * The isolate's shared state for a cluster (its name servers and namespace): module scope holds no
 * socket, only what producers of earlier requests learned.
 */
export function isolateState(options: Pick<ProducerOptions, 'nameServers' | 'namespace'>): MemorySharedState {
  const key = `${splitHostPorts(options.nameServers).sort().join(';')}|${options.namespace ?? ''}`;
  let state = isolateStates.get(key);
  if (!state) {
    state = new MemorySharedState();
    isolateStates.set(key, state);
  }
  return state;
}

/** One JSON line per producer log entry, on the console Workers logs collect. */
const consoleLogger = (entry: Record<string, unknown>) => console.log(JSON.stringify({ component: 'rocketmq-producer', ...entry }));

/**
 * Runs `work` with a producer made for this request: started, handed over, flushed, and shut down
 * (every socket closed) before the result is returned, whether `work` succeeds or throws. Await it
 * before answering: a send left to `ctx.waitUntil` may be cut off after the response, unconfirmed.
 *
 * @example
 * export default {
 *   fetch: (request: Request, env: { NAMESRV_ADDR: string }) =>
 *     withEdgeProducer({ nameServers: env.NAMESRV_ADDR, producerGroup: 'edge' }, async (producer) => {
 *       const result = await producer.send({ topic: 'Orders', body: await request.text() });
 *       return Response.json({ msgId: result.msgId });
 *     }),
 * };
 */
export async function withEdgeProducer<T>(options: EdgeProducerOptions, work: (producer: Producer) => Promise<T>): Promise<T> {
  const { onClosed, sharedState, ...rest } = options;
  // A store of the caller's is reached over the network (DynamoDB: fetch()), one of the request's
  // six connections; the producer loads it once at start and re-reads isolations at the producer's
  // usual pace. The isolate's memory costs nothing to read: every request sees the isolations of the last.
  const overNetwork = sharedState !== undefined && !(sharedState instanceof MemorySharedState);
  const producer = createProducer({
    maxConnections: overNetwork ? WORKERS_CONNECTION_LIMIT - 1 : WORKERS_CONNECTION_LIMIT,
    ...(overNetwork ? {} : { sharedStateRefreshInterval: 0 }),
    logger: consoleLogger,
    ...rest,
    sharedState: sharedState ?? isolateState(rest),
  });
  try {
    await producer.start();
    const result = await work(producer);
    await producer.flush();
    return result;
  } finally {
    await producer.shutdown();
    onClosed?.(producer.stats());
  }
}

export type { Producer, ProducerStats } from './producer/api.ts';
export type { ProducerOptions } from './producer/options.ts';
export { MemorySharedState, type SharedState } from './state/shared-state.ts';
