// What a CLI command works with, from its flags and the same environment variables the functions
// read (NAMESRV_ADDR, PRODUCER_GROUP, STATE_TABLE, STATE_SCOPE, ROCKETMQ_TLS_*, ROCKETMQ_*_KEY):
// an operator can point it at a deployment with the settings the deployment has.
import { userInfo } from 'node:os';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbSharedState, DynamoDbTransactionLedger } from '../dynamodb.ts';
import { createProducer, type Producer } from '../index.ts';
import { ConfigError, producerOptions, readConfig, withSecrets } from '../lambda/index.ts';

export const EXIT = { OK: 0, FAILED: 1, USAGE: 2, NOT_FOUND: 3 } as const;

/** A mistake in how the command was called: exit 2, with the command's help. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The thing asked about does not exist: exit 3. */
export class NotFoundError extends Error {
  override name = 'NotFoundError';
}

export interface GlobalFlags {
  namesrv?: string | undefined;
  group?: string | undefined;
  table?: string | undefined;
  scope?: string | undefined;
  json?: boolean | undefined;
}

function safeUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown user';
  }
}

export class CliContext {
  private producer: Producer | undefined;
  private client: DynamoDBClient | undefined;
  private readonly env: NodeJS.ProcessEnv;

  constructor(
    flags: GlobalFlags,
    env: NodeJS.ProcessEnv,
    readonly out: (text: string) => void,
  ) {
    this.env = {
      ...env,
      PRODUCER_GROUP: flags.group ?? env.PRODUCER_GROUP ?? 'rocketmq-lambda-cli',
      ...(flags.namesrv ? { NAMESRV_ADDR: flags.namesrv } : {}),
      ...(flags.table ? { STATE_TABLE: flags.table } : {}),
      ...(flags.scope ? { STATE_SCOPE: flags.scope } : {}),
    };
    this.json = flags.json ?? false;
  }

  readonly json: boolean;

  private config() {
    try {
      return readConfig(this.env);
    } catch (err) {
      if (err instanceof ConfigError) throw new UsageError(`${err.message} (or the matching flag)`);
      throw err;
    }
  }

  get hasTable(): boolean {
    return Boolean(this.env.STATE_TABLE);
  }

  /** The table and scope, without needing the cluster when the scope is given. */
  state(): { table: string; scope: string } {
    const table = this.env.STATE_TABLE;
    if (!table) throw new UsageError('no state table: set STATE_TABLE or --table');
    const scope = this.env.STATE_SCOPE || (this.env.NAMESRV_ADDR ? this.config().stateScope : undefined);
    if (!scope) throw new UsageError('no scope: set STATE_SCOPE or --scope (or NAMESRV_ADDR, from which the functions derive it)');
    return { table, scope };
  }

  /** An SDK client with the SDK's own patience: a laptop is further from DynamoDB than a Lambda. */
  private dynamodb(): DynamoDBClient {
    this.client ??= new DynamoDBClient({});
    return this.client;
  }

  sharedState(): DynamoDbSharedState {
    const { table, scope } = this.state();
    return new DynamoDbSharedState({ tableName: table, scope, client: this.dynamodb(), writer: `rocketmq-lambda CLI (${this.env.USER ?? safeUserName()})` });
  }

  ledger(): DynamoDbTransactionLedger {
    const { table, scope } = this.state();
    return new DynamoDbTransactionLedger({ tableName: table, scope, client: this.dynamodb() });
  }

  /** A started producer (no shared state: the CLI reads the table, it does not take part in it). */
  async started(): Promise<Producer> {
    if (this.producer) return this.producer;
    const config = await withSecrets(this.config());
    const producer = createProducer({ ...producerOptions(config), logger: () => undefined });
    await producer.start();
    this.producer = producer;
    return producer;
  }

  async close(): Promise<void> {
    await this.producer?.shutdown();
    this.client?.destroy();
  }
}
