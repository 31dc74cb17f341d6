// One table for every error code a caller can meet: the broker's and name server's response codes
// (ResponseCode, RemotingSysResponseCode), the Java client's local codes (ClientErrorCode), and a
// few of our own in the 19000 range. Callers decide from `code` and `retriable`, never from text.

export interface ErrorSpec {
  code: number;
  name: string;
  /** Who raises it: a broker or name server (a response code), or this client. */
  side: 'broker' | 'client';
  /** Another attempt may succeed. */
  retriable: boolean;
  /** Counts against the broker that answered it (latency fault tolerance isolates the broker). */
  isolates: boolean;
  message: string;
}

const spec = <C extends number, N extends string, S extends 'broker' | 'client'>(
  code: C,
  name: N,
  side: S,
  retriable: boolean,
  isolates: boolean,
  message: string,
) => ({ code, name, side, retriable, isolates, message });

/**
 * Every code with what a caller and the retry loop do about it. `retriable` follows the Java
 * producer: the broker codes are its `retryResponseCodes` (5.3.3: 17, 14, 1, 2, 16, 204, 205,
 * 1500); the client codes are the failures `sendDefaultImpl` retries. `isolates` is ours: only
 * what says the broker itself is unwell counts against it. A refused permission, a topic the broker
 * does not hold, a unit or buyer mismatch are about the request, not the broker (Java 4.x isolates
 * on any exception; with the fleet sharing isolation, one bad request must not take a broker away).
 */
export const ERROR_TABLE = {
  SYSTEM_ERROR: spec(1, 'SYSTEM_ERROR', 'broker', true, true, 'the broker failed to process the request'),
  SYSTEM_BUSY: spec(2, 'SYSTEM_BUSY', 'broker', true, true, 'the broker is busy'),
  REQUEST_CODE_NOT_SUPPORTED: spec(3, 'REQUEST_CODE_NOT_SUPPORTED', 'broker', false, false, 'request code not supported'),
  TRANSACTION_FAILED: spec(4, 'TRANSACTION_FAILED', 'broker', false, false, 'transaction failed'),
  FLUSH_DISK_TIMEOUT: spec(10, 'FLUSH_DISK_TIMEOUT', 'broker', false, false, 'stored, but the disk flush timed out'),
  SLAVE_NOT_AVAILABLE: spec(11, 'SLAVE_NOT_AVAILABLE', 'broker', false, false, 'stored, but no slave is available'),
  FLUSH_SLAVE_TIMEOUT: spec(12, 'FLUSH_SLAVE_TIMEOUT', 'broker', false, false, 'stored, but the slave flush timed out'),
  MESSAGE_ILLEGAL: spec(13, 'MESSAGE_ILLEGAL', 'broker', false, false, 'the message is illegal'),
  SERVICE_NOT_AVAILABLE: spec(14, 'SERVICE_NOT_AVAILABLE', 'broker', true, true, 'the broker service is not available'),
  VERSION_NOT_SUPPORTED: spec(15, 'VERSION_NOT_SUPPORTED', 'broker', false, false, 'version not supported'),
  NO_PERMISSION: spec(16, 'NO_PERMISSION', 'broker', true, false, 'no permission'),
  TOPIC_NOT_EXIST: spec(17, 'TOPIC_NOT_EXIST', 'broker', true, false, 'the topic does not exist'),
  TOPIC_EXIST_ALREADY: spec(18, 'TOPIC_EXIST_ALREADY', 'broker', false, false, 'the topic exists already'),
  INVALID_PARAMETER: spec(29, 'INVALID_PARAMETER', 'broker', false, false, 'invalid parameter'),
  NO_BUYER_ID: spec(204, 'NO_BUYER_ID', 'broker', true, false, 'no buyer id'),
  NOT_IN_CURRENT_UNIT: spec(205, 'NOT_IN_CURRENT_UNIT', 'broker', true, false, 'not in current unit'),
  ILLEGAL_OPERATION: spec(604, 'ILLEGAL_OPERATION', 'broker', false, false, 'the broker refused the operation'),
  GO_AWAY: spec(1500, 'GO_AWAY', 'broker', true, true, 'the broker is shutting down'),

  CONNECT_BROKER_EXCEPTION: spec(10001, 'CONNECT_BROKER_EXCEPTION', 'client', true, true, 'could not connect, or the connection closed'),
  ACCESS_BROKER_TIMEOUT: spec(10002, 'ACCESS_BROKER_TIMEOUT', 'client', true, true, 'no response within the timeout'),
  BROKER_NOT_EXIST_EXCEPTION: spec(10003, 'BROKER_NOT_EXIST_EXCEPTION', 'client', true, true, 'no master address for the broker'),
  NO_NAME_SERVER_EXCEPTION: spec(10004, 'NO_NAME_SERVER_EXCEPTION', 'client', true, false, 'no name server answered'),
  NOT_FOUND_TOPIC_EXCEPTION: spec(10005, 'NOT_FOUND_TOPIC_EXCEPTION', 'client', false, false, 'no route for the topic'),

  PROTOCOL_ERROR: spec(19001, 'PROTOCOL_ERROR', 'client', true, true, 'malformed frame'),
  TOO_MANY_REQUESTS: spec(19002, 'TOO_MANY_REQUESTS', 'client', false, false, 'too many requests in flight on one connection'),
  CLIENT_CLOSED: spec(19003, 'CLIENT_CLOSED', 'client', false, false, 'the client is shut down'),
  INVALID_ARGUMENT: spec(19004, 'INVALID_ARGUMENT', 'client', false, false, 'invalid argument'),
  NOT_STARTED: spec(19005, 'NOT_STARTED', 'client', false, false, 'the producer is not running; call start() first'),
  NOT_SENT: spec(19006, 'NOT_SENT', 'client', true, false, 'not sent: an earlier message of this ordered batch failed'),
  TOPIC_RESERVED: spec(19007, 'TOPIC_RESERVED', 'client', false, false, 'the topic belongs to the cluster itself (a broker or cluster name)'),
  // Configuration, not a sick broker: neither retried nor isolating, whatever code the server used.
  ACCESS_DENIED: spec(19008, 'ACCESS_DENIED', 'client', false, false, 'the cluster refused these credentials or this permission'),
  TLS_HANDSHAKE_FAILED: spec(19009, 'TLS_HANDSHAKE_FAILED', 'client', false, false, 'the TLS handshake failed'),
  TRANSACTIONS_UNSUPPORTED: spec(19010, 'TRANSACTIONS_UNSUPPORTED', 'client', false, false, 'transactional messages cannot be ended on this path'),
  // What a server version lacks, or has switched off: the request is fine, this cluster cannot do it.
  UNSUPPORTED_BY_BROKER: spec(19011, 'UNSUPPORTED_BY_BROKER', 'client', false, false, "the broker's version does not support this"),
  RECALL_DISABLED: spec(19012, 'RECALL_DISABLED', 'client', false, false, 'the broker has recall switched off (recallMessageEnable=false)'),
  RECALL_EXPIRED: spec(19013, 'RECALL_EXPIRED', 'client', false, false, 'too late to recall: the message is due or delivered'),
  // The runtime's socket budget (Workers: 6 per request) is spent on requests in flight: not the broker's fault.
  CONNECTION_LIMIT: spec(19014, 'CONNECTION_LIMIT', 'client', true, false, 'every allowed socket is busy (maxConnections)'),
} as const;

export type ErrorName = keyof typeof ERROR_TABLE;

const edge = <S extends number>(status: S, message: string) => ({ status, message });

/**
 * The string codes of the adapter's edges, beside ERROR_TABLE: what the HTTP functions refuse
 * before anything is sent (a 4xx naming the field), what a deployment cannot do (a 5xx whatever
 * the caller sends), and a configuration the adapter cannot start with. `status` is the HTTP
 * answer. A failure of the producer itself is never here: it is a RocketMQError of ERROR_TABLE,
 * mapped to a status by its code.
 */
export const EDGE_ERROR_TABLE = {
  BAD_REQUEST: edge(400, 'the request is not valid HTTP/1.1'),
  INVALID_EVENT: edge(400, 'not an API Gateway event'),
  INVALID_BODY: edge(400, 'the request body is not well-formed text'),
  INVALID_JSON: edge(400, 'the request body is not valid JSON'),
  INVALID_ARGUMENT: edge(400, 'invalid argument'),
  UNAUTHORIZED: edge(401, 'a valid bearer token is required'),
  TOPIC_NOT_ALLOWED: edge(403, "the topic is not on the deployment's allowlist"),
  TOPIC_RESERVED: edge(403, 'the topic belongs to the cluster itself'),
  NOT_FOUND: edge(404, 'no such resource'),
  UNKNOWN_TRANSACTION: edge(404, 'no such transaction'),
  METHOD_NOT_ALLOWED: edge(405, 'method not allowed'),
  REQUEST_TIMEOUT: edge(408, 'the request did not arrive in time'),
  TRANSACTION_DECIDED: edge(409, 'the transaction was decided otherwise'),
  IDEMPOTENCY_KEY_IN_USE: edge(409, 'a request with this Idempotency-Key is still in flight'),
  URI_TOO_LONG: edge(414, 'the request line is too long'),
  UNSUPPORTED_MEDIA_TYPE: edge(415, 'unsupported media type'),
  IDEMPOTENCY_KEY_REUSED: edge(422, 'this Idempotency-Key was used with another message'),
  HEADERS_TOO_LARGE: edge(431, 'the request headers are too large'),
  INTERNAL: edge(500, 'internal error'),
  INVALID_CONFIG: edge(500, 'the configuration is invalid'),
  SECRET_UNREADABLE: edge(500, 'a configured secret cannot be read'),
  TRANSACTIONS_DISABLED: edge(501, 'transactions need the state table (STATE_TABLE)'),
  AUTH_NOT_CONFIGURED: edge(503, 'no PUBLISH_TOKEN is configured: every request is refused'),
} as const;

export type EdgeErrorName = keyof typeof EDGE_ERROR_TABLE;

/**
 * An error at the adapter's edges, with a code of EDGE_ERROR_TABLE: the field at fault (an input
 * field, a header, an environment variable) and what is wrong with it kept apart; the message is
 * "<field>: <detail>".
 */
export class EdgeError extends Error {
  override name = 'EdgeError';
  readonly status: number;

  constructor(
    readonly code: EdgeErrorName,
    readonly field: string | undefined,
    readonly detail: string = EDGE_ERROR_TABLE[code].message,
    options?: { cause?: unknown },
  ) {
    super(field === undefined ? detail : `${field}: ${detail}`, options);
    this.status = EDGE_ERROR_TABLE[code].status;
  }
}

/** A variable the adapter cannot start with (INVALID_CONFIG), or a secret it names that cannot be read (SECRET_UNREADABLE). */
export class ConfigError extends EdgeError {
  override name = 'ConfigError';
  constructor(variable: string, detail: string, code: 'INVALID_CONFIG' | 'SECRET_UNREADABLE' = 'INVALID_CONFIG') {
    super(code, variable, detail);
  }

  /** The environment variable at fault. */
  get variable(): string {
    return this.field!;
  }
}

/** What an HTTP request got wrong, or a deployment cannot do for it: answered with the code's status, nothing sent. */
export class RequestError extends EdgeError {
  override name = 'RequestError';
  constructor(
    code: EdgeErrorName,
    field: string | undefined,
    detail?: string,
    /** Headers of the answer (Allow for a 405). */
    readonly headers: Record<string, string> = {},
  ) {
    super(code, field, detail);
  }
}

type BrokerCodeName = { [K in ErrorName]: (typeof ERROR_TABLE)[K]['side'] extends 'broker' ? K : never }[ErrorName];

/** ResponseCode.java, as far as a producer meets it: SUCCESS and the broker side of the table. */
export const ResponseCode = {
  SUCCESS: 0,
  ...Object.fromEntries(
    Object.entries(ERROR_TABLE)
      .filter(([, s]) => s.side === 'broker')
      .map(([name, s]) => [name, s.code]),
  ),
} as { readonly SUCCESS: 0 } & { readonly [K in BrokerCodeName]: (typeof ERROR_TABLE)[K]['code'] };

/** The broker codes a send moves on from (DefaultMQProducer.retryResponseCodes): the retriable ones. */
export const DEFAULT_RETRY_RESPONSE_CODES: readonly number[] = Object.values(ERROR_TABLE)
  .filter((s) => s.side === 'broker' && s.retriable)
  .map((s) => s.code);

const BY_CODE = new Map<number, ErrorSpec>(Object.values(ERROR_TABLE).map((s) => [s.code, s]));

export function errorSpec(code: number): ErrorSpec {
  return BY_CODE.get(code) ?? { code, name: `CODE_${code}`, side: 'broker', retriable: false, isolates: false, message: `response code ${code}` };
}

/** Where an error happened; every field is optional because not every layer knows all of them. */
export interface ErrorContext {
  address?: string;
  topic?: string;
  opaque?: number;
  requestCode?: number;
  /** The input field at fault, for INVALID_ARGUMENT and MESSAGE_ILLEGAL raised before sending. */
  field?: string;
  /** The server's own response code when it differs from `code` (an ACL refusal: 1 or 16). */
  responseCode?: number;
}

export class RocketMQError extends Error {
  override name = 'RocketMQError';
  readonly code: number;
  readonly codeName: string;
  readonly retriable: boolean;
  readonly context: ErrorContext;
  /**
   * What is wrong, without the field it is about (`context.field`) or where it happened: the
   * message is built from them, and whoever names the field otherwise (a message of a batch, a
   * field of an HTTP body) builds its own from the same detail.
   */
  readonly detail: string;

  constructor(spec: ErrorSpec, message: string, context: ErrorContext = {}, options?: { cause?: unknown; detail?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = spec.code;
    this.codeName = spec.name;
    this.retriable = spec.retriable;
    this.context = context;
    this.detail = options?.detail ?? message;
  }
}

/**
 * An ACL refusal, whichever server and version said it: a 4.9 broker answers SYSTEM_ERROR (1)
 * with an AclException remark (ACL 1.0); a 5.3+ broker NO_PERMISSION (16) and the 5.3 proxy
 * SYSTEM_ERROR (1), both with the authentication or authorization exception's text (ACL 2.0).
 */
const ACL_REMARK =
  /AclException|username cannot be null|User:\S* is (not found|disabled)|User:\S* not found|check signature failed|has no permission to access|No accessKey is configured|No acl config for/;

export function isAccessDenied(code: number, remark: string | undefined): boolean {
  return (code === 1 || code === 16) && remark !== undefined && ACL_REMARK.test(remark);
}

/** A response code other than success from a broker or name server, with its remark. */
export class BrokerError extends RocketMQError {
  override name = 'BrokerError';
  readonly remark: string | undefined;

  constructor(code: number, remark: string | undefined, context: ErrorContext = {}) {
    const denied = isAccessDenied(code, remark);
    const s = denied ? ERROR_TABLE.ACCESS_DENIED : errorSpec(code);
    super(s, `${s.name} (${code})${remark ? `: ${remark}` : ''}${where(context)}`, denied ? { ...context, responseCode: code } : context);
    this.remark = remark;
  }
}

/** The transport failed: no connection, a closed connection, a timeout, a malformed frame. */
export class ConnectionError extends RocketMQError {
  override name = 'ConnectionError';
}

/** The caller asked for something impossible; nothing was sent. */
export class ClientError extends RocketMQError {
  override name = 'ClientError';
}

function where(context: ErrorContext): string {
  const parts = [context.address && `at ${context.address}`, context.topic && `topic ${context.topic}`].filter(Boolean);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

/** INVALID_ARGUMENT for the input field at fault, nothing sent: the one way every validator raises it. */
export function invalidArgument(field: string, detail: string, context: ErrorContext = {}): never {
  throw fieldError('INVALID_ARGUMENT', field, detail, context);
}

/** An error about one input field, nothing sent: "<field>: <detail>", with field and detail kept apart. */
export function fieldError(name: ErrorName, field: string, detail: string, context: ErrorContext = {}, cause?: unknown): RocketMQError {
  return build(name, `${field}: ${detail}${where(context)}`, { ...context, field }, { cause, detail });
}

/**
 * The same error about another name of its field (a message of a batch, a field as the caller
 * wrote it). Field errors are this client's, all in the table; anything else is returned as it is.
 */
export function withField(err: RocketMQError, field: string): RocketMQError {
  if (!(err.codeName in ERROR_TABLE)) return err;
  return fieldError(err.codeName as ErrorName, field, err.detail, err.context, err.cause);
}

/** The one way to build an error for a code of the table. */
export function rocketError(name: ErrorName, detail?: string, context: ErrorContext = {}, cause?: unknown): RocketMQError {
  // An error passed on to the requests it ends keeps its text; the address is not named twice.
  const text = detail ?? ERROR_TABLE[name].message;
  const suffix = where(context);
  const message = suffix && text.endsWith(suffix) ? text : `${text}${suffix}`;
  return build(name, message, context, { cause, detail: text });
}

function build(name: ErrorName, message: string, context: ErrorContext, given: { cause: unknown; detail: string }): RocketMQError {
  const s = ERROR_TABLE[name];
  const options = given;
  switch (name) {
    case 'CONNECT_BROKER_EXCEPTION':
    case 'ACCESS_BROKER_TIMEOUT':
    case 'PROTOCOL_ERROR':
    case 'TLS_HANDSHAKE_FAILED':
      return new ConnectionError(s, message, context, options);
    case 'INVALID_ARGUMENT':
    case 'MESSAGE_ILLEGAL':
    case 'TOO_MANY_REQUESTS':
    case 'CLIENT_CLOSED':
    case 'NOT_STARTED':
    case 'TOPIC_RESERVED':
    case 'TRANSACTIONS_UNSUPPORTED':
    case 'UNSUPPORTED_BY_BROKER':
    case 'RECALL_DISABLED':
    case 'RECALL_EXPIRED':
    case 'CONNECTION_LIMIT':
      return new ClientError(s, message, context, options);
    default:
      return new RocketMQError(s, message, context, options);
  }
}

/** Whatever was thrown, as a RocketMQError: itself if it is one, else a SYSTEM_ERROR with it as cause. */
export function asRocketError(err: unknown): RocketMQError {
  return err instanceof RocketMQError ? err : rocketError('SYSTEM_ERROR', `unexpected: ${(err as Error)?.message ?? String(err)}`, {}, err);
}

/**
 * A send that failed after its attempts: how many, how long, which brokers, and the last cause.
 * `code` is the broker's response code or the client code (10001..10005) of the last failure;
 * `timedOut` marks the "call timeout" outcome, when the budget ran out before another attempt.
 */
export class SendError extends RocketMQError {
  override name = 'SendError';
  readonly attempts: number;
  readonly elapsedMs: number;
  readonly brokers: string[];
  readonly timedOut: boolean;

  constructor(
    spec: ErrorSpec,
    detail: string,
    info: { attempts: number; elapsedMs: number; brokers: string[]; timedOut: boolean; topic: string },
    cause?: unknown,
  ) {
    super(
      spec,
      `Send [${info.attempts}] times, still failed, cost [${info.elapsedMs}]ms, Topic: ${info.topic}, ` +
        `BrokersSent: [${info.brokers.join(', ')}]: ${detail}`,
      // The server's own code of an ACCESS_DENIED travels up from the attempt that got it.
      {
        topic: info.topic,
        ...(cause instanceof RocketMQError && cause.context.responseCode !== undefined ? { responseCode: cause.context.responseCode } : {}),
      },
      cause === undefined ? undefined : { cause },
    );
    this.attempts = info.attempts;
    this.elapsedMs = info.elapsedMs;
    this.brokers = info.brokers;
    this.timedOut = info.timedOut;
  }
}
