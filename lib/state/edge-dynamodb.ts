// The DynamoDB shared state from a Cloudflare Worker: the AWS SDK v3 client over fetch() (the
// Worker has no node:http agent to keep), signed with credentials the Worker holds as secrets (it
// has no role to assume and no instance metadata), for the region and endpoint its bindings name.
// One client and one state per isolate and table: module scope keeps no socket (each request's
// fetch() is its own), only the configuration, so every request of the isolate reuses them.
import type { DynamoDBClient, DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { FetchHttpHandler } from '@smithy/fetch-http-handler';
import { invalidArgument } from '../errors.ts';
import { createStateClient } from './dynamodb-item.ts';
import { DynamoDbSharedState, type DynamoDbStateOptions } from './dynamodb-state.ts';

/**
 * The Worker's bindings this reads, named as the AWS SDK names them elsewhere: set the keys with
 * `wrangler secret put`, the region (and, for a local DynamoDB only, the endpoint) as vars.
 */
export interface EdgeAwsBindings {
  AWS_ACCESS_KEY_ID?: unknown;
  AWS_SECRET_ACCESS_KEY?: unknown;
  /** Temporary credentials only. */
  AWS_SESSION_TOKEN?: unknown;
  AWS_REGION?: unknown;
  /** Another endpoint than the region's (`https://dynamodb.<region>.amazonaws.com`): a local DynamoDB in tests. */
  AWS_ENDPOINT_URL_DYNAMODB?: unknown;
}

/** Who wrote a record, in the table: this isolate. Made on first use: a Worker may not draw random values at global scope. */
let isolateWriter: string | undefined;

const clients = new Map<string, DynamoDBClient>();
const states = new WeakMap<DynamoDBClient, Map<string, DynamoDbSharedState>>();

function binding(bindings: EdgeAwsBindings, name: keyof EdgeAwsBindings, required: boolean): string | undefined {
  const value = bindings[name];
  if (value === undefined || value === '') {
    if (required) invalidArgument(name, 'is required for DynamoDB from a Worker: set it as a Workers secret (or var for the region)');
    return undefined;
  }
  if (typeof value !== 'string') invalidArgument(name, `must be a text binding, not ${typeof value}`);
  return value;
}

/**
 * A DynamoDB client for a Worker, one per isolate and set of bindings: requests go out with
 * fetch() (`@smithy/fetch-http-handler`), signed with the access key the bindings hold, to the
 * region's HTTPS endpoint unless AWS_ENDPOINT_URL_DYNAMODB names another. Without `config` the
 * client is the isolate's (made once, reused by every request); with it, a new one each call.
 *
 * @example
 * const client = edgeDynamoDbClient(env); // AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION
 */
export function edgeDynamoDbClient(bindings: EdgeAwsBindings, config: DynamoDBClientConfig = {}): DynamoDBClient {
  const accessKeyId = binding(bindings, 'AWS_ACCESS_KEY_ID', true)!;
  const secretAccessKey = binding(bindings, 'AWS_SECRET_ACCESS_KEY', true)!;
  const sessionToken = binding(bindings, 'AWS_SESSION_TOKEN', false);
  const region = binding(bindings, 'AWS_REGION', true)!;
  const endpoint = binding(bindings, 'AWS_ENDPOINT_URL_DYNAMODB', false);
  const key = JSON.stringify([accessKeyId, secretAccessKey, sessionToken, region, endpoint]);
  let client = Object.keys(config).length === 0 ? clients.get(key) : undefined;
  if (!client) {
    client = createStateClient({
      region,
      credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) },
      ...(endpoint ? { endpoint } : {}),
      // Timeouts as the Lambda's state client: shared state never holds a send for long.
      requestHandler: new FetchHttpHandler({ requestTimeout: 1000 }),
      ...config,
    });
    if (Object.keys(config).length === 0) clients.set(key, client);
  }
  return client;
}

/**
 * The isolate's DynamoDB shared state for a table and scope, through edgeDynamoDbClient: hand it
 * to withEdgeProducer as `sharedState`, and the routes and broker isolations one isolate learns are
 * used by every other isolate and Lambda container of the same table and scope.
 *
 * @example
 * import { withEdgeProducer } from 'rocketmq-lambda/edge';
 * import { edgeDynamoDbState } from 'rocketmq-lambda/dynamodb';
 *
 * export default {
 *   fetch: (request: Request, env: Env) =>
 *     withEdgeProducer(
 *       { nameServers: env.NAMESRV_ADDR, producerGroup: 'edge', sharedState: edgeDynamoDbState(env, { tableName: env.STATE_TABLE }) },
 *       async (producer) => Response.json(await producer.send({ topic: 'Orders', body: await request.text() })),
 *     ),
 * };
 */
export function edgeDynamoDbState(bindings: EdgeAwsBindings, options: Omit<DynamoDbStateOptions, 'client' | 'clientConfig'>): DynamoDbSharedState {
  const client = edgeDynamoDbClient(bindings);
  let byTable = states.get(client);
  if (!byTable) {
    byTable = new Map();
    states.set(client, byTable);
  }
  const key = JSON.stringify([options.tableName, options.scope ?? 'default']);
  let state = byTable.get(key);
  if (!state) {
    isolateWriter ??= `edge isolate ${crypto.randomUUID().slice(0, 8)}`;
    state = new DynamoDbSharedState({ writer: isolateWriter, ...options, client });
    byTable.set(key, state);
  }
  return state;
}
