// Adapter configuration from environment variables, read and checked once per container. A bad
// variable stops the container with one error that names it.
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { ConfigError } from '../errors.ts';
import type { ProducerOptions } from '../producer/options.ts';
import { TOPIC_MAX_LENGTH } from '../message/message.ts';
import { groupProblem, hostPortsProblem, integerProblem, nameProblem, namespaceProblem, splitHostPorts } from '../rules.ts';
import { DEFAULT_TRACE_TOPIC } from '../trace/trace-data.ts';
import { resolveSecret, secretReferenceProblem } from './secrets.ts';
import { allowlistProblem, parseAllowlist } from './topic-policy.ts';
import { DEFAULT_TRACE_PROPERTIES, type TraceProperties, tracePropertyProblem } from './trace-context.ts';

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
  /** The secret key, or a reference to where it is kept (secrets.ts). */
  secretKey: string | undefined;
  securityToken: string | undefined;
  /** Undefined for plain TCP; PEM text read from the variables or files; the key may be a reference. */
  tls: { ca?: string; cert?: string; key?: string; servername?: string; rejectUnauthorized: boolean } | undefined;
  /** ALLOWED_TOPICS: topics (and * patterns) the functions may publish to for outside callers. */
  allowedTopics: string[];
  /** TRANSACTION_ON_TIMEOUT: what the resolver decides for a transaction nobody ended. */
  transactionOnTimeout: 'COMMIT' | 'ROLLBACK';
  /** TRACE_PROPERTY_*: the message properties trace context goes into (undefined: not carried). */
  traceProperties: TraceProperties;
  /** COMPRESS_OVER_BYTES / COMPRESS_LEVEL: bodies larger than this are deflated at this zlib level. */
  compressOverBytes: number;
  compressLevel: number;
  /** MESSAGE_TRACE / MESSAGE_TRACE_TOPIC: RocketMQ message trace records, undefined when off. */
  messageTrace: { topic: string } | undefined;
  /** ROCKETMQ_SERIALIZE_TYPE: header format of our requests. */
  serializeType: 'ROCKETMQ' | 'JSON';
  /** PUBLISH_ONCE: look a message up by its UNIQ_KEY before sending again one whose first outcome is unknown. */
  publishOnce: boolean;
  /** WARM_UP_TOPIC: a topic the init phase sends one real message to, so the first event finds the send path compiled. */
  warmUpTopic: string | undefined;
}

/**
 * Every variable the adapter and the functions read, with what it means: the one list. The
 * variables the Lambda runtime sets itself (AWS_LAMBDA_*, LAMBDA_TASK_ROOT, _X_AMZN_TRACE_ID) are
 * not in it. docs/functions.md lists the same; test/design/docs.test.ts checks both against the code.
 */
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
  ROCKETMQ_SECRET_KEY: 'ACL secret key, or ssm:<parameter> / secretsmanager:<secret>[#field] naming where it is kept',
  ROCKETMQ_SECURITY_TOKEN: 'ACL security token (STS-style), signed with every request; may be a reference like the secret key',
  ROCKETMQ_TLS: '"true" for TLS to name servers and brokers (implied by any ROCKETMQ_TLS_* below)',
  ROCKETMQ_TLS_CA: 'PEM of the CA(s) to trust instead of the system ones (or ROCKETMQ_TLS_CA_FILE: a path)',
  ROCKETMQ_TLS_CA_FILE: 'path of that PEM, e.g. shipped in the artifact',
  ROCKETMQ_TLS_CERT: 'client certificate PEM for mutual TLS (or ROCKETMQ_TLS_CERT_FILE)',
  ROCKETMQ_TLS_CERT_FILE: 'path of that PEM',
  ROCKETMQ_TLS_KEY: 'client key PEM for mutual TLS, or a reference like the secret key (or ROCKETMQ_TLS_KEY_FILE)',
  ROCKETMQ_TLS_KEY_FILE: 'path of that PEM',
  ROCKETMQ_TLS_SERVERNAME: 'name to verify the servers certificates against (default: their host)',
  ROCKETMQ_TLS_VERIFY: '"false" trusts any server certificate (a test-mode cluster); default "true"',
  ALLOWED_TOPICS: 'topics the publish function and the bridge may publish to: names and * patterns, comma-separated (unset: none)',
  TRANSACTION_ON_TIMEOUT: '"ROLLBACK" (default) or "COMMIT": what the resolver does with a transaction nobody ended in time',
  TRACE_PROPERTY_TRACEPARENT: 'message property for the W3C traceparent (default "traceparent"; "off": not carried)',
  TRACE_PROPERTY_TRACESTATE: 'message property for the W3C tracestate (default "tracestate"; "off": not carried)',
  TRACE_PROPERTY_XRAY: 'message property for the X-Ray trace header (default "AWSTraceHeader"; "off": not carried)',
  COMPRESS_OVER_BYTES: 'bodies larger than this many bytes are compressed (default 4096, as Java)',
  COMPRESS_LEVEL: 'zlib level 0-9 for compressed bodies (default 5, as Java; see BENCHMARKS.md for what each costs)',
  MESSAGE_TRACE: '"on" writes a RocketMQ message trace record per send, read by the RocketMQ Dashboard; "off" (default)',
  MESSAGE_TRACE_TOPIC: 'the trace topic (default RMQ_SYS_TRACE_TOPIC; implies MESSAGE_TRACE=on unless it is "off")',
  ROCKETMQ_SERIALIZE_TYPE: 'request header format: "ROCKETMQ" (binary, default) or "JSON" (the variable the Java client reads too)',
  PUBLISH_ONCE:
    '"on": before sending again a redelivered SQS record, or an HTTP request with an Idempotency-Key, ask the brokers whether its UNIQ_KEY is stored, and answer with that copy if so; "off" (default)',
  WARM_UP_TOPIC:
    'a topic the init phase sends one message to (body "warm-up", tag "warm-up", property warm-up=true), so that the first invocation finds the send path compiled; one extra message per cold start (unset: none)',
  POWERTOOLS_SERVICE_NAME: 'service name of the logs and metrics (default "rocketmq-lambda")',
  POWERTOOLS_METRICS_NAMESPACE: 'CloudWatch namespace of the metrics (default "RocketMQLambda")',
  POWERTOOLS_LOG_LEVEL: "log level of the adapter's logger (before LOG_LEVEL)",
  LOG_LEVEL: "log level of the adapter's logger when POWERTOOLS_LOG_LEVEL is unset",
  // Read by one function each (functions/sqs-bridge, functions/route-refresh), not by readConfig.
  TARGET_TOPIC: 'bridge: the topic of records that name none',
  TOPIC_ATTRIBUTE: 'bridge: the SQS message attribute that names the topic (default "topic")',
  TAGS_ATTRIBUTE: 'bridge: the SQS message attribute that holds the tags (default "tags")',
  KEYS_ATTRIBUTE: 'bridge: the SQS message attribute that holds the keys (default "keys")',
  REFRESH_TOPICS: 'route refresh: topics to keep fresh besides those in the table, comma-separated',
  PUBLISH_TOKEN: 'edge publish (Workers): the bearer token every caller presents, set as a Workers secret; unset refuses every request',
} as const;

function integer(env: NodeJS.ProcessEnv, name: keyof typeof VARIABLES, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = /^-?\d+$/.test(raw.trim()) ? Number(raw) : Number.NaN;
  const problem = integerProblem(value, min);
  if (problem) throw new ConfigError(name, `${problem}, not "${raw}"`);
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
  const securityToken = env.ROCKETMQ_SECURITY_TOKEN || undefined;
  if (securityToken && !accessKey) throw new ConfigError('ROCKETMQ_SECURITY_TOKEN', 'needs ROCKETMQ_ACCESS_KEY and ROCKETMQ_SECRET_KEY');
  for (const name of ['ROCKETMQ_SECRET_KEY', 'ROCKETMQ_SECURITY_TOKEN', 'ROCKETMQ_TLS_KEY'] as const) {
    const problem = env[name] ? secretReferenceProblem(env[name]) : undefined;
    if (problem) throw new ConfigError(name, problem);
  }
  const transactionOnTimeout = (env.TRANSACTION_ON_TIMEOUT || 'ROLLBACK') as AdapterConfig['transactionOnTimeout'];
  if (transactionOnTimeout !== 'ROLLBACK' && transactionOnTimeout !== 'COMMIT')
    throw new ConfigError('TRANSACTION_ON_TIMEOUT', 'must be "ROLLBACK" or "COMMIT"');
  const serializeType = (env.ROCKETMQ_SERIALIZE_TYPE || 'ROCKETMQ').toUpperCase() as AdapterConfig['serializeType'];
  if (serializeType !== 'ROCKETMQ' && serializeType !== 'JSON') throw new ConfigError('ROCKETMQ_SERIALIZE_TYPE', 'must be "ROCKETMQ" or "JSON"');
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
    securityToken,
    tls: readTls(env),
    allowedTopics,
    transactionOnTimeout,
    traceProperties: readTraceProperties(env),
    compressOverBytes: integer(env, 'COMPRESS_OVER_BYTES', 4096, 0),
    compressLevel: level(env),
    messageTrace: readMessageTrace(env),
    serializeType,
    publishOnce: onOff(env, 'PUBLISH_ONCE'),
    warmUpTopic: readWarmUpTopic(env),
  };
}

function readWarmUpTopic(env: NodeJS.ProcessEnv): string | undefined {
  const topic = env.WARM_UP_TOPIC || undefined;
  const problem = topic === undefined ? undefined : nameProblem(topic, TOPIC_MAX_LENGTH);
  if (problem) throw new ConfigError('WARM_UP_TOPIC', problem);
  return topic;
}

function onOff(env: NodeJS.ProcessEnv, name: keyof typeof VARIABLES): boolean {
  const flag = env[name] || 'off';
  if (flag !== 'on' && flag !== 'off') throw new ConfigError(name, `"${flag}" is not "on" or "off"`);
  return flag === 'on';
}

function level(env: NodeJS.ProcessEnv): number {
  const value = integer(env, 'COMPRESS_LEVEL', 5, 0);
  if (value > 9) throw new ConfigError('COMPRESS_LEVEL', `"${env.COMPRESS_LEVEL}" is not a zlib level (0 to 9)`);
  return value;
}

function readMessageTrace(env: NodeJS.ProcessEnv): AdapterConfig['messageTrace'] {
  const flag = env.MESSAGE_TRACE || undefined;
  if (flag !== undefined && flag !== 'on' && flag !== 'off') throw new ConfigError('MESSAGE_TRACE', `"${flag}" is not "on" or "off"`);
  const topic = env.MESSAGE_TRACE_TOPIC || undefined;
  if (flag === 'off') {
    if (topic) throw new ConfigError('MESSAGE_TRACE_TOPIC', 'is set but MESSAGE_TRACE is "off"');
    return undefined;
  }
  if (flag === undefined && topic === undefined) return undefined;
  const problem = topic === undefined ? undefined : nameProblem(topic, TOPIC_MAX_LENGTH);
  if (problem) throw new ConfigError('MESSAGE_TRACE_TOPIC', problem);
  return { topic: topic ?? DEFAULT_TRACE_TOPIC };
}

function readTraceProperties(env: NodeJS.ProcessEnv): TraceProperties {
  const names: Partial<TraceProperties> = {};
  const variables = { traceparent: 'TRACE_PROPERTY_TRACEPARENT', tracestate: 'TRACE_PROPERTY_TRACESTATE', xray: 'TRACE_PROPERTY_XRAY' } as const;
  for (const [part, variable] of Object.entries(variables) as [keyof TraceProperties, (typeof variables)[keyof TraceProperties]][]) {
    const raw = env[variable];
    const name = raw === undefined || raw === '' ? DEFAULT_TRACE_PROPERTIES[part] : raw === 'off' ? undefined : raw;
    const problem = name === undefined ? undefined : tracePropertyProblem(name);
    if (problem) throw new ConfigError(variable, problem);
    if (name !== undefined && Object.values(names).includes(name))
      throw new ConfigError(variable, `"${name}" already carries another part of the trace context`);
    names[part] = name;
  }
  return names as TraceProperties;
}

/** The PEM in a variable, or in the file another names (relative paths from the function's root). */
function pem(env: NodeJS.ProcessEnv, name: 'ROCKETMQ_TLS_CA' | 'ROCKETMQ_TLS_CERT' | 'ROCKETMQ_TLS_KEY'): string | undefined {
  const file = env[`${name}_FILE`];
  if (env[name] && file) throw new ConfigError(name, `set either ${name} or ${name}_FILE, not both`);
  if (env[name]) return env[name];
  if (!file) return undefined;
  const path = isAbsolute(file) ? file : join(env.LAMBDA_TASK_ROOT ?? process.cwd(), file);
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`${name}_FILE`, `cannot read ${path}: ${(err as Error).message}`);
  }
}

function readTls(env: NodeJS.ProcessEnv): AdapterConfig['tls'] {
  const flag = env.ROCKETMQ_TLS;
  if (flag !== undefined && flag !== '' && flag !== 'true' && flag !== 'false') throw new ConfigError('ROCKETMQ_TLS', 'must be "true" or "false"');
  const verify = env.ROCKETMQ_TLS_VERIFY;
  if (verify !== undefined && verify !== '' && verify !== 'true' && verify !== 'false')
    throw new ConfigError('ROCKETMQ_TLS_VERIFY', 'must be "true" or "false"');
  const ca = pem(env, 'ROCKETMQ_TLS_CA');
  const cert = pem(env, 'ROCKETMQ_TLS_CERT');
  const key = pem(env, 'ROCKETMQ_TLS_KEY');
  const servername = env.ROCKETMQ_TLS_SERVERNAME || undefined;
  const implied = Boolean(ca || cert || key || servername || verify);
  if (flag === 'false' && implied) throw new ConfigError('ROCKETMQ_TLS', 'is "false" but ROCKETMQ_TLS_* settings are given');
  if (flag !== 'true' && !implied) return undefined;
  if (Boolean(cert) !== Boolean(key))
    throw new ConfigError(cert ? 'ROCKETMQ_TLS_KEY' : 'ROCKETMQ_TLS_CERT', 'mutual TLS needs both the certificate and its key');
  return {
    ...(ca ? { ca } : {}),
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
    ...(servername ? { servername } : {}),
    rejectUnauthorized: verify !== 'false',
  };
}

export function producerOptions(config: AdapterConfig): Omit<ProducerOptions, 'sharedState' | 'logger'> {
  return {
    nameServers: config.nameServers,
    producerGroup: config.producerGroup,
    ...(config.namespace ? { namespace: config.namespace } : {}),
    sendMsgTimeout: config.sendTimeoutMs,
    compressMsgBodyOverHowmuch: config.compressOverBytes,
    compressLevel: config.compressLevel,
    faultTables: config.faultTables,
    sharedStateRefreshInterval: config.stateRefreshMs,
    idleConnectionLimitMs: config.idleConnectionLimitMs,
    serializeType: config.serializeType,
    ...(config.accessKey && config.secretKey
      ? { credentials: { accessKey: config.accessKey, secretKey: config.secretKey, ...(config.securityToken ? { securityToken: config.securityToken } : {}) } }
      : {}),
    ...(config.tls ? { tls: config.tls } : {}),
    ...(config.messageTrace ? { messageTrace: { topic: config.messageTrace.topic } } : {}),
  };
}

/** The configuration with every secret reference replaced by the secret (cold start only). */
export async function withSecrets(config: AdapterConfig): Promise<AdapterConfig> {
  const secretKey = config.secretKey && (await resolveSecret(config.secretKey, 'ROCKETMQ_SECRET_KEY'));
  const securityToken = config.securityToken && (await resolveSecret(config.securityToken, 'ROCKETMQ_SECURITY_TOKEN'));
  const key = config.tls?.key && (await resolveSecret(config.tls.key, 'ROCKETMQ_TLS_KEY'));
  return { ...config, secretKey, securityToken, ...(config.tls ? { tls: { ...config.tls, ...(key ? { key } : {}) } } : {}) };
}
