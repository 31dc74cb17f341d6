// A keyed HTTP request, at most once, with Powertools Idempotency (DynamoDB persistence) in the
// state table: a record per Idempotency-Key (pk IDEMPOTENCY#<scope>, sk the key's hash) written
// IN_PROGRESS before the send and COMPLETED with its results after. A retry while the first is in
// flight is 409, one with another payload 422, one after it the first results. Powertools fits
// here and not in the bridge: it writes for every request it guards, which a keyed HTTP request
// may pay for but a first SQS delivery must not (the bridge asks the brokers on redelivery only).
// When DynamoDB does not answer, the request goes on without the record (the broker lookup still
// runs): a duplicate with the same UNIQ_KEY rather than a refusal or a loss.
import { createHash } from 'node:crypto';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { IdempotencyAlreadyInProgressError, IdempotencyPersistenceLayerError, IdempotencyValidationError } from '@aws-lambda-powertools/idempotency';
import type { Context } from 'aws-lambda';
import { createStateClient } from '../../lib/dynamodb.ts';
import type { Message, SendResult } from '../../lib/index.ts';
import { RequestError } from '../../lib/lambda/functions-kit.ts';

/** How long a key answers with its first results: a day, as long as a client may reasonably retry. */
export const IDEMPOTENCY_EXPIRY_SECONDS = 86_400;

export interface KeyedRequest {
  /** The topic and the Idempotency-Key. */
  key: string;
  /** A hash of what the request asks to publish: another payload under the key is 422. */
  payload: string;
}

/** What a keyed request asks to publish, as a hash: body, tags and keys of each message. */
export function payloadHash(messages: readonly Message[]): string {
  const hash = createHash('sha256');
  for (const m of messages) {
    hash.update(typeof m.body === 'string' ? Buffer.from(m.body) : Buffer.from(m.body));
    hash.update(`\u0000${m.tags ?? ''}\u0000${Array.isArray(m.keys) ? m.keys.join(' ') : (m.keys ?? '')}\u0001`);
  }
  return hash.digest('base64');
}

let store: { table: string; scope: string; persistence: DynamoDBPersistenceLayer } | undefined;

function persistenceFor(table: string, scope: string): DynamoDBPersistenceLayer {
  if (store?.table !== table || store.scope !== scope) {
    const persistence = new DynamoDBPersistenceLayer({
      tableName: table,
      keyAttr: 'pk',
      sortKeyAttr: 'sk',
      staticPkValue: `IDEMPOTENCY#${scope}`,
      expiryAttr: 'expiresAt', // the state table's TTL attribute
      // One attempt, half a second: a record that cannot be written in that is given up (the
      // request goes on without it), so a DynamoDB that does not answer cannot hold a keyed request
      // past its deadline (the shared state's two attempts of a second each did, on a cold start).
      awsSdkV3Client: createStateClient({ maxAttempts: 1, requestHandler: { connectionTimeout: 300, requestTimeout: 500, throwOnRequestTimeout: true } }),
    });
    store = { table, scope, persistence };
  }
  return store.persistence;
}

/**
 * Runs `publish` at most once per key while its record lives: 409 IDEMPOTENCY_KEY_IN_USE while the
 * first is in flight, 422 IDEMPOTENCY_KEY_REUSED for another payload, the first results after.
 */
export async function onceByKey(
  request: KeyedRequest,
  where: { table: string; scope: string; context: Context },
  publish: () => Promise<SendResult[]>,
): Promise<{ results: SendResult[]; replayed: boolean }> {
  let ran = false;
  const config = new IdempotencyConfig({ eventKeyJmesPath: 'key', payloadValidationJmesPath: 'payload', expiresAfterSeconds: IDEMPOTENCY_EXPIRY_SECONDS });
  config.registerLambdaContext(where.context);
  const guarded = makeIdempotent(
    async (_request: KeyedRequest) => {
      ran = true;
      return publish();
    },
    { persistenceStore: persistenceFor(where.table, where.scope), config },
  );
  try {
    const results = await guarded(request);
    return { results, replayed: !ran };
  } catch (err) {
    if (err instanceof IdempotencyAlreadyInProgressError) {
      throw new RequestError('IDEMPOTENCY_KEY_IN_USE', 'idempotency-key', 'a request with this key is still in flight; retry later');
    }
    if (err instanceof IdempotencyValidationError) throw new RequestError('IDEMPOTENCY_KEY_REUSED', 'idempotency-key', 'this key was used with other messages');
    if (err instanceof IdempotencyPersistenceLayerError && !ran) return { results: await publish(), replayed: false };
    throw err;
  }
}
