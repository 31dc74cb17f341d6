// SharedState in one DynamoDB table (infra/state-table.json): one partition per deployment scope,
// so a cold start reads every fault and route it needs with one Query.
//   pk = SCOPE#<scope>   sk = BROKER#<brokerName>   brokerName isolatedUntil latencyMs updatedAt expiresAt probeAt writtenBy
//   pk = SCOPE#<scope>   sk = ROUTE#<topic>         topic route(JSON) fetchedAt expiresAt
// expiresAt is epoch seconds for DynamoDB TTL; TTL deletion lags, so readers skip expired items.
// Writes are conditional ("newest wins"); a lost race returns the winner (ALL_OLD), no second read.
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClientConfig,
  type QueryCommandInput,
} from '@aws-sdk/client-dynamodb';
import { hostname } from 'node:os';
import { parseTopicRouteData } from '../protocol/topic-route.ts';
import type { FaultRecord, LoadedState, RouteRecord, SharedState, WriteOutcome } from './shared-state.ts';

type Item = Record<string, AttributeValue>;

export interface DynamoDbStateOptions {
  tableName: string;
  /** Which deployment's state; containers of one deployment share it. Default "default". */
  scope?: string;
  /** An existing client; otherwise one is built with short timeouts and few attempts. */
  client?: DynamoDBClient;
  clientConfig?: DynamoDBClientConfig;
  /** How long a route item lives after its fetch, for TTL. Default one day. */
  routeTtlSeconds?: number;
  /** How long a fault item outlives its isolation, for TTL. Default one hour. */
  faultTtlSeconds?: number;
  now?: () => number;
  /**
   * Who this process is, in the records it writes (the operator's "who isolated this broker").
   * Default: the Lambda function's name and log stream, else host and pid.
   */
  writer?: string;
}

function defaultWriter(env: NodeJS.ProcessEnv = process.env): string {
  if (env.AWS_LAMBDA_FUNCTION_NAME) return [env.AWS_LAMBDA_FUNCTION_NAME, env.AWS_LAMBDA_LOG_STREAM_NAME].filter(Boolean).join(' ');
  return `${hostname()} pid ${process.pid}`;
}

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

const n = (value: number): AttributeValue => ({ N: String(Math.round(value)) });
const num = (item: Item, name: string): number => Number(item[name]?.N ?? 0);

export class DynamoDbSharedState implements SharedState {
  readonly client: DynamoDBClient;
  private readonly table: string;
  private readonly pk: string;
  private readonly routeTtl: number;
  private readonly faultTtl: number;
  private readonly now: () => number;
  private readonly writer: string;
  readonly calls = { reads: 0, writes: 0 };

  constructor(options: DynamoDbStateOptions) {
    this.writer = options.writer ?? defaultWriter();
    this.client = options.client ?? createStateClient(options.clientConfig);
    this.table = options.tableName;
    this.pk = `SCOPE#${options.scope ?? 'default'}`;
    this.routeTtl = options.routeTtlSeconds ?? 86_400;
    this.faultTtl = options.faultTtlSeconds ?? 3_600;
    this.now = options.now ?? Date.now;
  }

  async load(signal?: AbortSignal): Promise<LoadedState> {
    const items = await this.query({ KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: this.pk } } }, signal);
    const state: LoadedState = { faults: [], routes: [] };
    for (const item of items) {
      const sk = item.sk?.S ?? '';
      if (sk.startsWith('BROKER#')) state.faults.push(toFault(item));
      else if (sk.startsWith('ROUTE#')) {
        const route = toRoute(item);
        if (route) state.routes.push(route);
      }
    }
    return state;
  }

  async loadFaults(signal?: AbortSignal): Promise<FaultRecord[]> {
    const items = await this.query(
      {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :broker)',
        ExpressionAttributeValues: { ':pk': { S: this.pk }, ':broker': { S: 'BROKER#' } },
      },
      signal,
    );
    return items.map(toFault);
  }

  async recordFault(record: FaultRecord, signal?: AbortSignal): Promise<WriteOutcome<FaultRecord>> {
    return this.conditional(
      new UpdateItemCommand({
        TableName: this.table,
        Key: { pk: { S: this.pk }, sk: { S: `BROKER#${record.brokerName}` } },
        UpdateExpression: 'SET brokerName = :b, isolatedUntil = :u, latencyMs = :l, updatedAt = :t, expiresAt = :e, writtenBy = :w',
        ConditionExpression: 'attribute_not_exists(isolatedUntil) OR isolatedUntil < :u',
        ExpressionAttributeValues: {
          ':b': { S: record.brokerName },
          ':u': n(record.isolatedUntil),
          ':l': n(record.latencyMs),
          ':t': n(record.updatedAt),
          ':e': n(record.isolatedUntil / 1000 + this.faultTtl),
          ':w': { S: this.writer },
        },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
      toFault,
      signal,
    );
  }

  async recordRecovery(brokerName: string, seenUntil: number, now: number, signal?: AbortSignal): Promise<WriteOutcome<FaultRecord>> {
    return this.conditional(
      new UpdateItemCommand({
        TableName: this.table,
        Key: { pk: { S: this.pk }, sk: { S: `BROKER#${brokerName}` } },
        UpdateExpression: 'SET isolatedUntil = :now, updatedAt = :now, writtenBy = :w',
        ConditionExpression: 'isolatedUntil <= :seen AND isolatedUntil > :now',
        ExpressionAttributeValues: { ':now': n(now), ':seen': n(seenUntil), ':w': { S: this.writer } },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
      toFault,
      signal,
    );
  }

  async claimProbe(brokerName: string, now: number, since: number, signal?: AbortSignal): Promise<WriteOutcome<FaultRecord>> {
    return this.conditional(
      new UpdateItemCommand({
        TableName: this.table,
        Key: { pk: { S: this.pk }, sk: { S: `BROKER#${brokerName}` } },
        UpdateExpression: 'SET probeAt = :now',
        ConditionExpression: 'isolatedUntil > :now AND (attribute_not_exists(probeAt) OR probeAt <= :since)',
        ExpressionAttributeValues: { ':now': n(now), ':since': n(since) },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
      toFault,
      signal,
    );
  }

  async putRoute(record: RouteRecord, signal?: AbortSignal): Promise<WriteOutcome<RouteRecord>> {
    return this.conditional(
      new PutItemCommand({
        TableName: this.table,
        Item: {
          pk: { S: this.pk },
          sk: { S: `ROUTE#${record.topic}` },
          topic: { S: record.topic },
          route: { S: JSON.stringify(record.route) },
          fetchedAt: n(record.fetchedAt),
          expiresAt: n(record.fetchedAt / 1000 + this.routeTtl),
        },
        ConditionExpression: 'attribute_not_exists(fetchedAt) OR fetchedAt < :f',
        ExpressionAttributeValues: { ':f': n(record.fetchedAt) },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
      (item) => toRoute(item),
      signal,
    );
  }

  /** All live items of a query, every page; expired ones are skipped here, whatever TTL did. */
  private async query(input: Omit<QueryCommandInput, 'TableName'>, signal?: AbortSignal): Promise<Item[]> {
    const items: Item[] = [];
    const nowSeconds = this.now() / 1000;
    let start: Item | undefined;
    do {
      this.calls.reads += 1;
      const page = await this.client.send(
        new QueryCommand({ ...input, TableName: this.table, ExclusiveStartKey: start }),
        signal ? { abortSignal: signal } : {},
      );
      for (const item of page.Items ?? []) if (num(item, 'expiresAt') > nowSeconds) items.push(item);
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }

  private async conditional<T>(
    command: UpdateItemCommand | PutItemCommand,
    decode: (item: Item) => T | undefined,
    signal?: AbortSignal,
  ): Promise<WriteOutcome<T>> {
    this.calls.writes += 1;
    try {
      await this.client.send(command as UpdateItemCommand, signal ? { abortSignal: signal } : {});
      return { written: true };
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) {
        return { written: false, winner: err.Item ? decode(err.Item) : undefined };
      }
      throw err;
    }
  }
}

function toFault(item: Item): FaultRecord {
  return {
    brokerName: item.brokerName?.S ?? (item.sk?.S ?? '').slice('BROKER#'.length),
    isolatedUntil: num(item, 'isolatedUntil'),
    latencyMs: num(item, 'latencyMs'),
    updatedAt: num(item, 'updatedAt'),
    ...(item.probeAt?.N ? { probeAt: num(item, 'probeAt') } : {}),
    ...(item.writtenBy?.S ? { writtenBy: item.writtenBy.S } : {}),
  };
}

function toRoute(item: Item): RouteRecord | undefined {
  try {
    return { topic: item.topic?.S ?? '', route: parseTopicRouteData(item.route?.S ?? ''), fetchedAt: num(item, 'fetchedAt') };
  } catch {
    return undefined; // an unreadable route is as good as none: the name server is asked
  }
}
