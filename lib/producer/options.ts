// Producer options, checked strictly: a misspelled option is an error, not a silent default.
// Defaults are DefaultMQProducer's (5.3.3) except where a line says otherwise.
import { DEFAULT_RETRY_RESPONSE_CODES, invalidArgument } from '../errors.ts';
import { DEFAULT_TIMER_MAX_DELAY_MS, TOPIC_MAX_LENGTH } from '../message/message.ts';
import { DEFAULT_TRACE_TOPIC } from '../trace/trace-data.ts';
import { groupProblem, hostPortsProblem, integerProblem, nameProblem, namespaceProblem, splitHostPorts } from '../rules.ts';
import type { FaultStore } from '../state/fault-store.ts';
import { FAULT_TABLES_4X, FAULT_TABLES_5X, type FaultTables } from './fault-tolerance.ts';
import type { CheckForbiddenHook, SendMessageHook } from './hooks.ts';
import type { SharedState } from '../state/shared-state.ts';
import type { ScopeSource } from './scope.ts';
import { X509Certificate } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import type { AclCredentials } from '../remoting/acl.ts';
import type { TlsSettings } from '../remoting/connection.ts';
import { IN_WORKERD, workerdTlsProblem } from '../remoting/workerd-tls.ts';

export interface ProducerOptions {
  /** "host:port" list, or one string separated by ";" as NAMESRV_ADDR is. */
  nameServers: string[] | string;
  producerGroup: string;
  namespace?: string;
  instanceName?: string;
  unitName?: string;
  sendMsgTimeout?: number;
  retryTimesWhenSendFailed?: number;
  retryTimesWhenSendAsyncFailed?: number;
  retryAnotherBrokerWhenNotStoreOK?: boolean;
  maxMessageSize?: number;
  /** The brokers' timerMaxDelaySec in ms: a deliverAt further out is refused before sending. */
  timerMaxDelayMs?: number;
  compressMsgBodyOverHowmuch?: number;
  compressLevel?: number;
  defaultTopicQueueNums?: number;
  createTopicKey?: string;
  /** Routes older than this are fetched again on next use (no background polling). */
  pollNameServerInterval?: number;
  /** A broker not heartbeated for this long is heartbeated alongside the next send to it. */
  heartbeatBrokerInterval?: number;
  mqClientApiTimeout?: number;
  vipChannelEnabled?: boolean;
  /** On by default here (Java: off): isolating a failing broker is the point for a fleet. */
  sendLatencyFaultEnable?: boolean;
  faultTables?: '4.x' | '5.x' | FaultTables;
  /**
   * An isolated broker is probed (one heartbeat) this long after its isolation was first seen and
   * after each failed probe, and re-admitted when it answers; 0 turns probing off. Not in Java 4.x.
   */
  isolationProbeInterval?: number;
  /** How long a probe waits for the broker's answer. */
  isolationProbeTimeout?: number;
  faultStore?: FaultStore;
  retryResponseCodes?: number[];
  sendMessageHeader?: 'V1' | 'V2';
  /**
   * Header format of every request (Java's rocketmq.serialize.type): ROCKETMQ, the binary format
   * every name server, broker and proxy from 4.x on reads, or JSON. ROCKETMQ by default here (Java:
   * JSON): it is smaller on the wire and costs us about half of JSON to write. Servers answer in the
   * format they are configured for, and both are read.
   */
  serializeType?: 'ROCKETMQ' | 'JSON';
  connectTimeoutMs?: number;
  maxInFlightPerConnection?: number;
  /**
   * At most this many sockets open at once, name servers and brokers together: an idle one is
   * closed to make room, else the send fails with CONNECTION_LIMIT. Unbounded by default; the edge
   * entry sets 6, the open connections Cloudflare Workers allow one request.
   */
  maxConnections?: number;
  idleConnectionLimitMs?: number;
  sendMessageHooks?: SendMessageHook[];
  checkForbiddenHooks?: CheckForbiddenHook[];
  /** Broker isolation and routes shared by every container (DynamoDB); local only when absent. */
  sharedState?: SharedState;
  /** A warm producer re-reads shared fault state at most this often. */
  sharedStateRefreshInterval?: number;
  /** A stored route older than this is not used at cold start. */
  sharedRouteMaxAge?: number;
  /** ACL: every request is signed with these when set. */
  credentials?: AclCredentials;
  /**
   * TLS to name servers and brokers alike: true trusts the system CAs; settings give the CA to
   * trust, a client certificate for mutual TLS, or `rejectUnauthorized: false` for a test-mode
   * server's self-signed certificate.
   */
  tls?: boolean | TlsSettings;
  /**
   * Message trace in RocketMQ's format (the Java client's enableMsgTrace), read by the RocketMQ
   * Dashboard: true writes to RMQ_SYS_TRACE_TOPIC. Records go out at flush() (the end of every
   * Lambda invocation), never from a timer. Off by default, as in Java.
   */
  messageTrace?: boolean | MessageTraceOptions;
  /** Where the producer's rare log lines go (shared state episodes); JSON lines on stderr by default. */
  logger?: (entry: Record<string, unknown>) => void;
  /**
   * Where the producer finds the scope of work it is serving now (one of several invocations that
   * share it): what that scope starts is settled by `flush(deadline, scope)` and counted in it. The
   * Lambda adapter passes the invocation's scope from the runtime's invoke store.
   */
  scope?: ScopeSource;
}

export interface MessageTraceOptions {
  /** The trace topic; default RMQ_SYS_TRACE_TOPIC (Java's customizedTraceTopic). */
  topic?: string;
  /** One trace message's budget, never past the flush deadline; default 1000 ms. */
  timeoutMs?: number;
}

export type ResolvedOptions = Required<
  Omit<
    ProducerOptions,
    'nameServers' | 'namespace' | 'instanceName' | 'unitName' | 'faultTables' | 'faultStore' | 'sharedState' | 'credentials' | 'tls' | 'messageTrace' | 'scope'
  >
> & {
  scope: ScopeSource | undefined;
  messageTrace: Required<MessageTraceOptions> | undefined;
  sharedState: SharedState | undefined;
  credentials: AclCredentials | undefined;
  tls: TlsSettings | undefined;
  nameServers: string[];
  namespace: string | undefined;
  instanceName: string | undefined;
  unitName: string | undefined;
  faultTables: FaultTables;
  faultStore: FaultStore | undefined;
};

const DEFAULTS = {
  sendMsgTimeout: 3000,
  retryTimesWhenSendFailed: 2,
  retryTimesWhenSendAsyncFailed: 2,
  retryAnotherBrokerWhenNotStoreOK: false,
  maxMessageSize: 4 * 1024 * 1024,
  timerMaxDelayMs: DEFAULT_TIMER_MAX_DELAY_MS,
  compressMsgBodyOverHowmuch: 4096,
  compressLevel: 5,
  defaultTopicQueueNums: 4,
  createTopicKey: 'TBW102',
  pollNameServerInterval: 30_000,
  heartbeatBrokerInterval: 30_000,
  mqClientApiTimeout: 3000,
  vipChannelEnabled: false,
  sendLatencyFaultEnable: true,
  isolationProbeInterval: 10_000,
  isolationProbeTimeout: 1000,
  retryResponseCodes: [...DEFAULT_RETRY_RESPONSE_CODES],
  sendMessageHeader: 'V2' as const,
  serializeType: 'ROCKETMQ' as const,
  connectTimeoutMs: 3000,
  maxInFlightPerConnection: 65535,
  maxConnections: Number.POSITIVE_INFINITY,
  idleConnectionLimitMs: 60_000,
  sendMessageHooks: [] as SendMessageHook[],
  checkForbiddenHooks: [] as CheckForbiddenHook[],
  sharedStateRefreshInterval: 10_000,
  sharedRouteMaxAge: 3_600_000,
  logger: (entry: Record<string, unknown>) => process.stderr.write(`${JSON.stringify({ component: 'rocketmq-producer', ...entry })}\n`),
};

const KNOWN = new Set([
  ...Object.keys(DEFAULTS),
  'nameServers',
  'producerGroup',
  'namespace',
  'instanceName',
  'unitName',
  'faultTables',
  'faultStore',
  'sharedState',
  'credentials',
  'tls',
  'messageTrace',
  'scope',
]);
const TRACE_KEYS = new Set(['topic', 'timeoutMs']);
const TLS_KEYS = new Set(['ca', 'cert', 'key', 'passphrase', 'servername', 'rejectUnauthorized']);

function invalid(field: string, detail: string): never {
  return invalidArgument(`options.${field}`, detail);
}

function nonNegativeInt(options: Record<string, unknown>, field: string, min = 0): void {
  const problem = options[field] === undefined ? undefined : integerProblem(options[field], min);
  if (problem) invalid(field, problem);
}

export function resolveOptions(options: ProducerOptions): ResolvedOptions {
  if (!options || typeof options !== 'object') invalid('', 'must be an object');
  const raw = options as unknown as Record<string, unknown>;
  for (const key of Object.keys(raw)) if (!KNOWN.has(key)) invalid(key, 'is not a producer option');

  const nameServers = splitHostPorts(options.nameServers);
  const badAddress = hostPortsProblem(nameServers);
  if (badAddress) invalid('nameServers', badAddress);
  const badGroup = groupProblem(options.producerGroup);
  if (badGroup) invalid('producerGroup', badGroup);
  if (options.scope !== undefined && typeof options.scope !== 'function') invalid('scope', 'must be a function returning the current WorkScope');
  for (const field of [
    'sendMsgTimeout',
    'maxMessageSize',
    'timerMaxDelayMs',
    'mqClientApiTimeout',
    'connectTimeoutMs',
    'maxInFlightPerConnection',
    'defaultTopicQueueNums',
    'isolationProbeTimeout',
  ]) {
    nonNegativeInt(raw, field, 1);
  }
  for (const field of [
    'retryTimesWhenSendFailed',
    'retryTimesWhenSendAsyncFailed',
    'compressMsgBodyOverHowmuch',
    'pollNameServerInterval',
    'heartbeatBrokerInterval',
    'idleConnectionLimitMs',
    'sharedStateRefreshInterval',
    'sharedRouteMaxAge',
    'isolationProbeInterval',
  ]) {
    nonNegativeInt(raw, field);
  }
  // At least 2: a name server and one broker, which every first send needs.
  const badBudget =
    options.maxConnections === undefined || options.maxConnections === Number.POSITIVE_INFINITY ? undefined : integerProblem(options.maxConnections, 2);
  if (badBudget) invalid('maxConnections', badBudget);
  const badLevel = options.compressLevel === undefined ? undefined : integerProblem(options.compressLevel, 0, 9);
  if (badLevel) invalid('compressLevel', badLevel);
  const badNamespace = options.namespace === undefined ? undefined : namespaceProblem(options.namespace);
  if (badNamespace) invalid('namespace', badNamespace);
  if (options.sendMessageHeader !== undefined && !['V1', 'V2'].includes(options.sendMessageHeader)) invalid('sendMessageHeader', 'must be "V1" or "V2"');
  if (options.serializeType !== undefined && !['ROCKETMQ', 'JSON'].includes(options.serializeType)) invalid('serializeType', 'must be "ROCKETMQ" or "JSON"');

  let faultTables: FaultTables = FAULT_TABLES_4X;
  if (options.faultTables === '5.x') faultTables = FAULT_TABLES_5X;
  else if (typeof options.faultTables === 'object') {
    const t = options.faultTables;
    const ascending = t.latencyMax.every((v, i) => i === 0 || v >= t.latencyMax[i - 1]!);
    if (t.latencyMax.length === 0 || t.latencyMax.length !== t.notAvailableDuration.length || !ascending || !(t.failureLatency >= 0)) {
      invalid('faultTables', 'needs ascending latencyMax and notAvailableDuration of the same length, and failureLatency');
    }
    faultTables = t;
  } else if (options.faultTables !== undefined && options.faultTables !== '4.x') invalid('faultTables', 'must be "4.x", "5.x" or tables');

  return {
    ...DEFAULTS,
    ...(Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined)) as Partial<ProducerOptions>),
    nameServers,
    producerGroup: options.producerGroup,
    namespace: options.namespace,
    instanceName: options.instanceName,
    unitName: options.unitName,
    faultTables,
    faultStore: options.faultStore,
    sharedState: options.sharedState,
    credentials: resolveCredentials(options.credentials),
    tls: resolveTls(options.tls),
    messageTrace: resolveMessageTrace(options.messageTrace),
    scope: options.scope,
  } as ResolvedOptions;
}

function resolveMessageTrace(trace: ProducerOptions['messageTrace']): Required<MessageTraceOptions> | undefined {
  if (trace === undefined || trace === false) return undefined;
  if (trace === true) return { topic: DEFAULT_TRACE_TOPIC, timeoutMs: 1000 };
  if (typeof trace !== 'object' || trace === null) invalid('messageTrace', 'must be true, false or trace settings');
  for (const key of Object.keys(trace)) if (!TRACE_KEYS.has(key)) invalid(`messageTrace.${key}`, 'is not a message trace setting');
  const badTopic = trace.topic === undefined ? undefined : nameProblem(trace.topic, TOPIC_MAX_LENGTH);
  if (badTopic) invalid('messageTrace.topic', badTopic);
  const badTimeout = trace.timeoutMs === undefined ? undefined : integerProblem(trace.timeoutMs, 1);
  if (badTimeout) invalid('messageTrace.timeoutMs', badTimeout);
  return { topic: trace.topic ?? DEFAULT_TRACE_TOPIC, timeoutMs: trace.timeoutMs ?? 1000 };
}

/** TLS settings checked before any connection: unknown keys, a key without its certificate, PEM Node cannot read. */
function resolveTls(tls: ProducerOptions['tls']): TlsSettings | undefined {
  if (tls === undefined || tls === false) return undefined;
  if (tls === true) return {};
  if (typeof tls !== 'object' || tls === null) invalid('tls', 'must be true, false or TLS settings');
  for (const key of Object.keys(tls)) if (!TLS_KEYS.has(key)) invalid(`tls.${key}`, 'is not a TLS setting');
  // Refused before any socket: workerd would ignore these without a word, or throw at connect.
  const unhonoured = IN_WORKERD ? workerdTlsProblem(tls) : undefined;
  if (unhonoured) invalid(`tls.${unhonoured.field}`, unhonoured.detail);
  if (Boolean(tls.cert) !== Boolean(tls.key)) invalid(tls.cert ? 'tls.key' : 'tls.cert', 'mutual TLS needs both the certificate and its key');
  for (const field of ['ca', 'cert'] as const) {
    const value = tls[field];
    for (const pem of value === undefined ? [] : [value].flat()) {
      const blocks = String(pem).match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
      if (blocks.length === 0) invalid(`tls.${field}`, 'holds no PEM certificate');
      for (const block of blocks) {
        try {
          new X509Certificate(block);
        } catch (err) {
          invalid(`tls.${field}`, `a certificate Node cannot read: ${(err as Error).message}`);
        }
      }
    }
  }
  try {
    createSecureContext(tls);
  } catch (err) {
    invalid('tls', `Node cannot use these settings: ${(err as Error).message}`);
  }
  return tls;
}

function resolveCredentials(credentials: AclCredentials | undefined): AclCredentials | undefined {
  if (credentials === undefined) return undefined;
  for (const field of ['accessKey', 'secretKey'] as const) {
    if (typeof credentials?.[field] !== 'string' || credentials[field].trim() === '') invalid(`credentials.${field}`, 'must be a non-blank string');
  }
  if (credentials.securityToken !== undefined && typeof credentials.securityToken !== 'string') invalid('credentials.securityToken', 'must be a string');
  return credentials;
}
