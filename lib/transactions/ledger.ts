// The transaction ledger: for every half message, what ending it takes, what was decided, and when
// it must be resolved, in DynamoDB, so that any process can end it after the one that sent it is
// frozen or gone. Items live in the state table under their own partitions (never in the SCOPE#
// partition a cold start reads), spread over SHARDS by transaction id:
//   pk = TX#<scope>#<shard>   sk = TX#<transactionId>
//   half (HalfMessage JSON), state, dueAt, onTimeout, createdAt, updatedAt, leaseOwner,
//   leaseUntil, endedAs, expiresAt (TTL: a day after the item is settled or due)
// States: PENDING (the local transaction has not said), COMMIT / ROLLBACK (decided, not ended yet),
// ENDED. Every change is conditional; a process ends a transaction only under a lease it holds,
// so two resolvers never end one transaction twice (a second COMMIT would store the message twice).
import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import type { HalfMessage, TransactionDecision } from '../protocol/end-transaction.ts';
import { createStateClient, expiresAt, type Item, maybeNum, n, num, queryAll, s, str } from '../state/dynamodb-item.ts';

export type LedgerState = 'PENDING' | TransactionDecision | 'ENDED';

export interface LedgerEntry {
  half: HalfMessage;
  state: LedgerState;
  /** Epoch ms from which a resolver takes it over. */
  dueAt: number;
  /** What a resolver decides when the local transaction never said and cannot be asked. */
  onTimeout: TransactionDecision;
  createdAt: number;
  leaseOwner: string | undefined;
  leaseUntil: number;
  /** Set when an END_TRANSACTION was (maybe) sent: its outcome must be looked up, not assumed. */
  endingAt: number | undefined;
  endedAs: TransactionDecision | undefined;
}

export const LEDGER_SHARDS = 8;
const DAY_SECONDS = 86_400;

export interface TransactionLedgerOptions {
  tableName: string;
  scope?: string;
  client?: DynamoDBClient;
  now?: () => number;
}

function shardOf(transactionId: string): number {
  let hash = 0;
  for (let i = 0; i < transactionId.length; i++) hash = (hash * 31 + transactionId.charCodeAt(i)) | 0;
  return Math.abs(hash) % LEDGER_SHARDS;
}

function toEntry(item: Item): LedgerEntry {
  return {
    half: JSON.parse(str(item, 'half') ?? '{}') as HalfMessage,
    state: (str(item, 'state') ?? 'PENDING') as LedgerState,
    dueAt: num(item, 'dueAt'),
    onTimeout: (str(item, 'onTimeout') ?? 'ROLLBACK') as TransactionDecision,
    createdAt: num(item, 'createdAt'),
    leaseOwner: str(item, 'leaseOwner'),
    leaseUntil: num(item, 'leaseUntil'),
    endingAt: maybeNum(item, 'endingAt'),
    endedAs: str(item, 'endedAs') as TransactionDecision | undefined,
  };
}

export class DynamoDbTransactionLedger {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  private readonly scope: string;
  private readonly now: () => number;
  readonly calls = { reads: 0, writes: 0 };

  constructor(options: TransactionLedgerOptions) {
    this.client = options.client ?? createStateClient();
    this.tableName = options.tableName;
    this.scope = options.scope ?? 'default';
    this.now = options.now ?? Date.now;
  }

  private key(transactionId: string): Item {
    return { pk: s(`TX#${this.scope}#${shardOf(transactionId)}`), sk: s(`TX#${transactionId}`) };
  }

  /** A new half message, pending until its local transaction says; fails if it is there already. */
  async record(half: HalfMessage, options: { dueAt: number; onTimeout: TransactionDecision }): Promise<void> {
    this.calls.writes += 1;
    const now = this.now();
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: {
          ...this.key(half.transactionId),
          half: s(JSON.stringify(half)),
          state: s('PENDING'),
          dueAt: n(options.dueAt),
          onTimeout: s(options.onTimeout),
          createdAt: n(now),
          updatedAt: n(now),
          leaseUntil: n(0),
          expiresAt: expiresAt(options.dueAt, DAY_SECONDS),
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  /**
   * The write that records the local transaction's decision, for the caller's own
   * TransactWriteItems: their data and the decision commit together or not at all.
   */
  decisionItem(half: HalfMessage, decision: TransactionDecision): TransactWriteItem {
    return {
      Update: {
        TableName: this.tableName,
        Key: this.key(half.transactionId),
        UpdateExpression: 'SET #s = :d, updatedAt = :t',
        ConditionExpression: '#s = :pending',
        ExpressionAttributeNames: { '#s': 'state' },
        ExpressionAttributeValues: { ':d': s(decision), ':pending': s('PENDING'), ':t': n(this.now()) },
      },
    };
  }

  /** Records a decision made outside DynamoDB; true when this write decided it, false when it was decided already. */
  async decide(half: HalfMessage, decision: TransactionDecision): Promise<boolean> {
    this.calls.writes += 1;
    try {
      await this.client.send(new UpdateItemCommand(this.decisionItem(half, decision).Update!));
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }

  /**
   * Takes the lease on an entry not ended yet and not leased by another live owner; returns the
   * entry as it stands, or undefined when someone else holds it or it is ended.
   */
  async claim(transactionId: string, owner: string, leaseMs: number): Promise<LedgerEntry | undefined> {
    this.calls.writes += 1;
    const now = this.now();
    try {
      const out = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: this.key(transactionId),
          UpdateExpression: 'SET leaseOwner = :o, leaseUntil = :u, updatedAt = :t',
          ConditionExpression: 'attribute_exists(pk) AND #s <> :ended AND (leaseUntil < :t OR leaseOwner = :o)',
          ExpressionAttributeNames: { '#s': 'state' },
          ExpressionAttributeValues: { ':o': s(owner), ':u': n(now + leaseMs), ':t': n(now), ':ended': s('ENDED') },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return out.Attributes ? toEntry(out.Attributes) : undefined;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return undefined;
      throw err;
    }
  }

  /** The decision a resolver takes for an entry the local transaction left undecided. */
  async decideUnder(transactionId: string, owner: string, decision: TransactionDecision): Promise<boolean> {
    this.calls.writes += 1;
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: this.key(transactionId),
          UpdateExpression: 'SET #s = :d, updatedAt = :t',
          ConditionExpression: '#s = :pending AND leaseOwner = :o',
          ExpressionAttributeNames: { '#s': 'state' },
          ExpressionAttributeValues: { ':d': s(decision), ':pending': s('PENDING'), ':o': s(owner), ':t': n(this.now()) },
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }

  /**
   * About to send END_TRANSACTION: from now on a resolver cannot know whether it reached the broker
   * without looking, so it looks (isDelivered) before committing again.
   */
  async markEnding(transactionId: string, owner: string): Promise<void> {
    this.calls.writes += 1;
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: this.key(transactionId),
        UpdateExpression: 'SET endingAt = :t, updatedAt = :t',
        ConditionExpression: 'leaseOwner = :o',
        ExpressionAttributeValues: { ':t': n(this.now()), ':o': s(owner) },
      }),
    );
  }

  /** The broker confirmed the end: settled for good (kept a day for the record, then TTL). */
  async markEnded(transactionId: string, owner: string, endedAs: TransactionDecision): Promise<void> {
    this.calls.writes += 1;
    const now = this.now();
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: this.key(transactionId),
        UpdateExpression: 'SET #s = :ended, endedAs = :e, updatedAt = :t, leaseUntil = :zero, expiresAt = :x',
        ConditionExpression: 'leaseOwner = :o AND #s = :e',
        ExpressionAttributeNames: { '#s': 'state' },
        ExpressionAttributeValues: {
          ':ended': s('ENDED'),
          ':e': s(endedAs),
          ':t': n(now),
          ':zero': n(0),
          ':x': expiresAt(now, DAY_SECONDS),
          ':o': s(owner),
        },
      }),
    );
  }

  async get(transactionId: string): Promise<LedgerEntry | undefined> {
    this.calls.reads += 1;
    const out = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND sk = :sk',
        ExpressionAttributeValues: { ':pk': this.key(transactionId).pk!, ':sk': this.key(transactionId).sk! },
        ConsistentRead: true,
      }),
    );
    const item = out.Items?.[0];
    return item ? toEntry(item) : undefined;
  }

  /** Every entry not ended whose due time has passed, oldest first (every shard, every page). */
  async due(now = this.now()): Promise<LedgerEntry[]> {
    const entries: LedgerEntry[] = [];
    for (let shard = 0; shard < LEDGER_SHARDS; shard++) {
      const items = await queryAll(
        this.client,
        {
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          FilterExpression: '#s <> :ended AND dueAt <= :now',
          ExpressionAttributeNames: { '#s': 'state' },
          ExpressionAttributeValues: { ':pk': s(`TX#${this.scope}#${shard}`), ':ended': s('ENDED'), ':now': n(now) },
          ConsistentRead: true,
        },
        () => (this.calls.reads += 1),
      );
      entries.push(...items.map(toEntry));
    }
    return entries.sort((a, b) => a.dueAt - b.dueAt);
  }

  /** Every entry not ended, due or not: what an operator sees as pending. */
  async pending(): Promise<LedgerEntry[]> {
    return this.due(Number.MAX_SAFE_INTEGER);
  }
}
