// One table for every error code a caller can meet: the broker's and name server's response codes
// (ResponseCode, RemotingSysResponseCode), the Java client's local codes (ClientErrorCode), and a
// few of our own in the 19000 range. Callers decide from `code` and `retriable`, never from text.

export interface ErrorSpec {
  code: number;
  name: string;
  retriable: boolean;
  message: string;
}

const spec = (code: number, name: string, retriable: boolean, message: string): ErrorSpec => ({
  code,
  name,
  retriable,
  message,
});

/**
 * `retriable` follows the Java producer: the broker codes are its `retryResponseCodes` (5.3.3:
 * 17, 14, 1, 2, 16, 204, 205, 1500); the local codes are the failures `sendDefaultImpl` retries.
 */
export const ERROR_TABLE = {
  SYSTEM_ERROR: spec(1, 'SYSTEM_ERROR', true, 'the broker failed to process the request'),
  SYSTEM_BUSY: spec(2, 'SYSTEM_BUSY', true, 'the broker is busy'),
  REQUEST_CODE_NOT_SUPPORTED: spec(3, 'REQUEST_CODE_NOT_SUPPORTED', false, 'request code not supported'),
  TRANSACTION_FAILED: spec(4, 'TRANSACTION_FAILED', false, 'transaction failed'),
  FLUSH_DISK_TIMEOUT: spec(10, 'FLUSH_DISK_TIMEOUT', false, 'stored, but the disk flush timed out'),
  SLAVE_NOT_AVAILABLE: spec(11, 'SLAVE_NOT_AVAILABLE', false, 'stored, but no slave is available'),
  FLUSH_SLAVE_TIMEOUT: spec(12, 'FLUSH_SLAVE_TIMEOUT', false, 'stored, but the slave flush timed out'),
  MESSAGE_ILLEGAL: spec(13, 'MESSAGE_ILLEGAL', false, 'the message is illegal'),
  SERVICE_NOT_AVAILABLE: spec(14, 'SERVICE_NOT_AVAILABLE', true, 'the broker service is not available'),
  VERSION_NOT_SUPPORTED: spec(15, 'VERSION_NOT_SUPPORTED', false, 'version not supported'),
  NO_PERMISSION: spec(16, 'NO_PERMISSION', true, 'no permission'),
  TOPIC_NOT_EXIST: spec(17, 'TOPIC_NOT_EXIST', true, 'the topic does not exist'),
  INVALID_PARAMETER: spec(29, 'INVALID_PARAMETER', false, 'invalid parameter'),
  NO_BUYER_ID: spec(204, 'NO_BUYER_ID', true, 'no buyer id'),
  NOT_IN_CURRENT_UNIT: spec(205, 'NOT_IN_CURRENT_UNIT', true, 'not in current unit'),
  GO_AWAY: spec(1500, 'GO_AWAY', true, 'the broker is shutting down'),

  CONNECT_BROKER_EXCEPTION: spec(10001, 'CONNECT_BROKER_EXCEPTION', true, 'could not connect, or the connection closed'),
  ACCESS_BROKER_TIMEOUT: spec(10002, 'ACCESS_BROKER_TIMEOUT', true, 'no response within the timeout'),
  BROKER_NOT_EXIST_EXCEPTION: spec(10003, 'BROKER_NOT_EXIST_EXCEPTION', true, 'no master address for the broker'),
  NO_NAME_SERVER_EXCEPTION: spec(10004, 'NO_NAME_SERVER_EXCEPTION', true, 'no name server answered'),
  NOT_FOUND_TOPIC_EXCEPTION: spec(10005, 'NOT_FOUND_TOPIC_EXCEPTION', false, 'no route for the topic'),

  PROTOCOL_ERROR: spec(19001, 'PROTOCOL_ERROR', true, 'malformed frame'),
  TOO_MANY_REQUESTS: spec(19002, 'TOO_MANY_REQUESTS', false, 'too many requests in flight on one connection'),
  CLIENT_CLOSED: spec(19003, 'CLIENT_CLOSED', false, 'the client is shut down'),
  INVALID_ARGUMENT: spec(19004, 'INVALID_ARGUMENT', false, 'invalid argument'),
  NOT_STARTED: spec(19005, 'NOT_STARTED', false, 'the producer is not running; call start() first'),
  NOT_SENT: spec(19006, 'NOT_SENT', true, 'not sent: an earlier message of this ordered batch failed'),
  TOPIC_RESERVED: spec(19007, 'TOPIC_RESERVED', false, 'the topic belongs to the cluster itself (a broker or cluster name)'),
} as const;

export type ErrorName = keyof typeof ERROR_TABLE;

const BY_CODE = new Map<number, ErrorSpec>(Object.values(ERROR_TABLE).map((s) => [s.code, s]));

export function errorSpec(code: number): ErrorSpec {
  return BY_CODE.get(code) ?? spec(code, `CODE_${code}`, false, `response code ${code}`);
}

/** Where an error happened; every field is optional because not every layer knows all of them. */
export interface ErrorContext {
  address?: string;
  topic?: string;
  opaque?: number;
  requestCode?: number;
  /** The input field at fault, for INVALID_ARGUMENT and MESSAGE_ILLEGAL raised before sending. */
  field?: string;
}

export class RocketMQError extends Error {
  override name = 'RocketMQError';
  readonly code: number;
  readonly codeName: string;
  readonly retriable: boolean;
  readonly context: ErrorContext;

  constructor(spec: ErrorSpec, message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.code = spec.code;
    this.codeName = spec.name;
    this.retriable = spec.retriable;
    this.context = context;
  }
}

/** A response code other than success from a broker or name server, with its remark. */
export class BrokerError extends RocketMQError {
  override name = 'BrokerError';
  readonly remark: string | undefined;

  constructor(code: number, remark: string | undefined, context: ErrorContext = {}) {
    const s = errorSpec(code);
    super(s, `${s.name} (${code})${remark ? `: ${remark}` : ''}${where(context)}`, context);
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

/** The one way to build an error for a code of the table. */
export function rocketError(name: ErrorName, detail?: string, context: ErrorContext = {}, cause?: unknown): RocketMQError {
  const s = ERROR_TABLE[name];
  const message = `${detail ?? s.message}${where(context)}`;
  const options = cause === undefined ? undefined : { cause };
  switch (name) {
    case 'CONNECT_BROKER_EXCEPTION':
    case 'ACCESS_BROKER_TIMEOUT':
    case 'PROTOCOL_ERROR':
      return new ConnectionError(s, message, context, options);
    case 'INVALID_ARGUMENT':
    case 'MESSAGE_ILLEGAL':
    case 'TOO_MANY_REQUESTS':
    case 'CLIENT_CLOSED':
    case 'NOT_STARTED':
    case 'TOPIC_RESERVED':
      return new ClientError(s, message, context, options);
    default:
      return new RocketMQError(s, message, context, options);
  }
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
      { topic: info.topic },
      cause === undefined ? undefined : { cause },
    );
    this.attempts = info.attempts;
    this.elapsedMs = info.elapsedMs;
    this.brokers = info.brokers;
    this.timedOut = info.timedOut;
  }
}
