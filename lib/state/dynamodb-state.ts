// SharedState in one DynamoDB table (infra/state-table.json): one partition per deployment scope,
// so a cold start reads every fault and route it needs with one Query.
//   pk = SCOPE#<scope>   sk = BROKER#<brokerName>   brokerName isolatedUntil latencyMs updatedAt expiresAt probeAt writtenBy
//   pk = SCOPE#<scope>   sk = ROUTE#<topic>         topic route(JSON) fetchedAt expiresAt
// expiresAt is epoch seconds for DynamoDB TTL; TTL deletion lags, so readers skip expired items.
// Writes are conditional ("newest wins"); a lost race returns the winner (ALL_OLD), no second read.
import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
  type DynamoDBClientConfig,
  type QueryCommandInput,
} from '@aws-sdk/client-dynamodb';
import { hostname } from 'node:os';
import { parseTopicRouteData } from '../protocol/topic-route.ts';
import { createStateClient, expiresAt, type Item, maybeNum, n, num, queryAll, s, str } from './dynamodb-item.ts';
import type { FaultRecord, LoadedState, RouteRecord, SharedState, WriteOutcome } from './shared-state.ts';

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
    const items = await this.query({ KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': s(this.pk) } }, signal);
    const state: LoadedState = { faults: [], routes: [] };
    for (const item of items) {
      const sk = str(item, 'sk') ?? '';
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
        ExpressionAttributeValues: { ':pk': s(this.pk), ':broker': s('BROKER#') },
      },
      signal,
    );
    return items.map(toFault);
  }

  async recordFault(record: FaultRecord, signal?: AbortSignal): Promise<WriteOutcome<FaultRecord>> {
    return this.conditional(
      new UpdateItemCommand({
        TableName: this.table,
        Key: { pk: s(this.pk), sk: s(`BROKER#${record.brokerName}`) },
        UpdateExpression: 'SET brokerName = :b, isolatedUntil = :u, latencyMs = :l, updatedAt = :t, expiresAt = :e, writtenBy = :w',
        ConditionExpression: 'attribute_not_exists(isolatedUntil) OR isolatedUntil < :u',
        ExpressionAttributeValues: {
          ':b': s(record.brokerName),
          ':u': n(record.isolatedUntil),
          ':l': n(record.latencyMs),
          ':t': n(record.updatedAt),
          ':e': expiresAt(record.isolatedUntil, this.faultTtl),
          ':w': s(this.writer),
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
        Key: { pk: s(this.pk), sk: s(`BROKER#${brokerName}`) },
        UpdateExpression: 'SET isolatedUntil = :now, updatedAt = :now, writtenBy = :w',
        ConditionExpression: 'isolatedUntil <= :seen AND isolatedUntil > :now',
        ExpressionAttributeValues: { ':now': n(now), ':seen': n(seenUntil), ':w': s(this.writer) },
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
        Key: { pk: s(this.pk), sk: s(`BROKER#${brokerName}`) },
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
          pk: s(this.pk),
          sk: s(`ROUTE#${record.topic}`),
          topic: s(record.topic),
          route: s(JSON.stringify(record.route)),
          fetchedAt: n(record.fetchedAt),
          expiresAt: expiresAt(record.fetchedAt, this.routeTtl),
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
    const nowSeconds = this.now() / 1000;
    const items = await queryAll(this.client, { ...input, TableName: this.table }, () => (this.calls.reads += 1), signal);
    return items.filter((item) => num(item, 'expiresAt') > nowSeconds);
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
    brokerName: str(item, 'brokerName') ?? (str(item, 'sk') ?? '').slice('BROKER#'.length),
    isolatedUntil: num(item, 'isolatedUntil'),
    latencyMs: num(item, 'latencyMs'),
    updatedAt: num(item, 'updatedAt'),
    ...(maybeNum(item, 'probeAt') !== undefined ? { probeAt: num(item, 'probeAt') } : {}),
    ...(str(item, 'writtenBy') ? { writtenBy: str(item, 'writtenBy') } : {}),
  };
}

function toRoute(item: Item): RouteRecord | undefined {
  try {
    return { topic: str(item, 'topic') ?? '', route: parseTopicRouteData(str(item, 'route') ?? ''), fetchedAt: num(item, 'fetchedAt') };
  } catch {
    return undefined; // an unreadable route is as good as none: the name server is asked
  }
}
