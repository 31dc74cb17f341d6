// The one codec for the items of the state table, shared by the shared state (SCOPE# partitions)
// and the transaction ledger (TX# partitions): attribute values in and out, the TTL attribute, every
// page of a query, and the client both use. Numbers are stored whole (epoch ms, ms of latency);
// `expiresAt` is epoch seconds, as DynamoDB TTL reads it.
import { DynamoDBClient, QueryCommand, type AttributeValue, type DynamoDBClientConfig, type QueryCommandInput } from '@aws-sdk/client-dynamodb';

export type Item = Record<string, AttributeValue>;

/** A number attribute, rounded to a whole number. */
export const n = (value: number): AttributeValue => ({ N: String(Math.round(value)) });
/** A string attribute. */
export const s = (value: string): AttributeValue => ({ S: value });
/** The TTL attribute for `ms` (epoch ms) plus `ttlSeconds`. */
export const expiresAt = (ms: number, ttlSeconds: number): AttributeValue => n(ms / 1000 + ttlSeconds);

/** A number attribute of an item; 0 when it is missing. */
export const num = (item: Item, name: string): number => Number(item[name]?.N ?? 0);
/** A number attribute of an item, or undefined when it is missing. */
export const maybeNum = (item: Item, name: string): number | undefined => (item[name]?.N === undefined ? undefined : Number(item[name].N));
/** A string attribute of an item, or undefined when it is missing. */
export const str = (item: Item, name: string): string | undefined => item[name]?.S;

/**
 * A DynamoDB client for the hot path: it must give up fast, because a send never waits long on
 * shared state (the producer goes on with local state when it does not answer).
 */
export function createStateClient(config: DynamoDBClientConfig = {}): DynamoDBClient {
  return new DynamoDBClient({
    maxAttempts: 2,
    // Without throwOnRequestTimeout the handler only logs a warning when requestTimeout passes.
    requestHandler: { connectionTimeout: 500, requestTimeout: 1000, throwOnRequestTimeout: true },
    ...config,
  });
}

/** Every item a query finds, page after page; `onPage` counts the reads. */
export async function queryAll(client: DynamoDBClient, input: QueryCommandInput, onPage: () => void, signal?: AbortSignal): Promise<Item[]> {
  const items: Item[] = [];
  let start: Item | undefined;
  do {
    onPage();
    const page = await client.send(new QueryCommand({ ...input, ExclusiveStartKey: start }), signal ? { abortSignal: signal } : {});
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}
