// Adapter configuration from environment variables, read and checked once per container. A bad
// variable stops the container with one error that names it.
import type { ProducerOptions } from '../producer/options.ts';
import { groupProblem, hostPortsProblem, integerProblem, namespaceProblem, splitHostPorts } from '../rules.ts';
import { allowlistProblem, parseAllowlist } from './topic-policy.ts';

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    readonly variable: string,
    detail: string,
  ) {
    super(`${variable}: ${detail}`);
  }
}

export interface AdapterConfig {
  nameServers: string[];
  producerGroup: string;
  namespace: string | undefined;
  stateTable: string | undefined;
  stateScope: string;
  sendTimeoutMs: number;
  /** Kept back from the Lambda's remaining time, so a send never runs into the function timeout. */
  deadlineMarginMs: number;
  faultTables: '4.x' | '5.x';
  stateRefreshMs: number;
  idleConnectionLimitMs: number;
  accessKey: string | undefined;
  secretKey: string | undefined;
  /** ALLOWED_TOPICS: topics (and * patterns) the functions may publish to for outside callers. */
  allowedTopics: string[];
}

/** Every variable the adapter reads, with what it means; README lists the same. */
export const VARIABLES = {
  NAMESRV_ADDR: 'name servers, host:port separated by ";" (required)',
  PRODUCER_GROUP: 'producer group (required)',
  ROCKETMQ_NAMESPACE: 'namespace wrapped around every topic',
  STATE_TABLE: 'DynamoDB table for shared broker isolation and routes (local state only when unset)',
  STATE_SCOPE: 'which deployment the shared state belongs to (default: the name server list)',
  SEND_TIMEOUT_MS: 'budget of one send, all retries included (default 3000)',
  DEADLINE_MARGIN_MS: 'time kept back from the Lambda timeout (default 500)',
  FAULT_TABLES: '"4.x" (default) or "5.x" isolation tables',
  STATE_REFRESH_MS: 'how often a warm container re-reads shared fault state (default 10000)',
  IDLE_CONNECTION_LIMIT_MS: 'replace broker connections idle longer than this (default 60000)',
  ROCKETMQ_ACCESS_KEY: 'ACL access key (with ROCKETMQ_SECRET_KEY)',
  ROCKETMQ_SECRET_KEY: 'ACL secret key (with ROCKETMQ_ACCESS_KEY)',
  ALLOWED_TOPICS: 'topics the publish function and the bridge may publish to: names and * patterns, comma-separated (unset: none)',
} as const;

function integer(env: NodeJS.ProcessEnv, name: keyof typeof VARIABLES, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = /^-?\d+$/.test(raw.trim()) ? Number(raw) : Number.NaN;
  const problem = integerProblem(value, min);
  if (problem) throw new ConfigError(name, `"${raw}" ${problem.replace(/^must be/, 'is not')}`);
  return value;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): AdapterConfig {
  const nameServers = splitHostPorts(env.NAMESRV_ADDR);
  if (nameServers.length === 0) throw new ConfigError('NAMESRV_ADDR', 'is required (host:port;host:port)');
  const badAddress = hostPortsProblem(nameServers);
  if (badAddress) throw new ConfigError('NAMESRV_ADDR', badAddress);
  const producerGroup = env.PRODUCER_GROUP ?? '';
  if (!producerGroup) throw new ConfigError('PRODUCER_GROUP', 'is required');
  const badGroup = groupProblem(producerGroup);
  if (badGroup) throw new ConfigError('PRODUCER_GROUP', badGroup);
  const namespace = env.ROCKETMQ_NAMESPACE || undefined;
  const badNamespace = namespace === undefined ? undefined : namespaceProblem(namespace);
  if (badNamespace) throw new ConfigError('ROCKETMQ_NAMESPACE', badNamespace);
  const faultTables = (env.FAULT_TABLES || '4.x') as AdapterConfig['faultTables'];
  if (faultTables !== '4.x' && faultTables !== '5.x') throw new ConfigError('FAULT_TABLES', 'must be "4.x" or "5.x"');
  const accessKey = env.ROCKETMQ_ACCESS_KEY || undefined;
  const secretKey = env.ROCKETMQ_SECRET_KEY || undefined;
  if (Boolean(accessKey) !== Boolean(secretKey)) {
    throw new ConfigError(accessKey ? 'ROCKETMQ_SECRET_KEY' : 'ROCKETMQ_ACCESS_KEY', 'ACL needs both the access key and the secret key');
  }
  const allowedTopics = parseAllowlist(env.ALLOWED_TOPICS);
  const badTopic = allowlistProblem(allowedTopics);
  if (badTopic) throw new ConfigError('ALLOWED_TOPICS', badTopic);
  return {
    nameServers,
    producerGroup,
    namespace,
    stateTable: env.STATE_TABLE || undefined,
    stateScope: env.STATE_SCOPE || nameServers.slice().sort().join(','),
    sendTimeoutMs: integer(env, 'SEND_TIMEOUT_MS', 3000, 1),
    deadlineMarginMs: integer(env, 'DEADLINE_MARGIN_MS', 500, 0),
    faultTables,
    stateRefreshMs: integer(env, 'STATE_REFRESH_MS', 10_000, 0),
    idleConnectionLimitMs: integer(env, 'IDLE_CONNECTION_LIMIT_MS', 60_000, 0),
    accessKey,
    secretKey,
    allowedTopics,
  };
}

export function producerOptions(config: AdapterConfig): Omit<ProducerOptions, 'sharedState' | 'logger'> {
  return {
    nameServers: config.nameServers,
    producerGroup: config.producerGroup,
    ...(config.namespace ? { namespace: config.namespace } : {}),
    sendMsgTimeout: config.sendTimeoutMs,
    faultTables: config.faultTables,
    sharedStateRefreshInterval: config.stateRefreshMs,
    idleConnectionLimitMs: config.idleConnectionLimitMs,
    ...(config.accessKey && config.secretKey ? { credentials: { accessKey: config.accessKey, secretKey: config.secretKey } } : {}),
  };
}
