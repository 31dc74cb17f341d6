// Request and response codes a producer meets (RequestCode.java, ResponseCode.java,
// RemotingSysResponseCode.java; the same numbers in 4.9.x and 5.x).

export const RequestCode = {
  SEND_MESSAGE: 10,
  UPDATE_AND_CREATE_TOPIC: 17,
  QUERY_MESSAGE: 12,
  GET_BROKER_RUNTIME_INFO: 28,
  GET_MAX_OFFSET: 30,
  VIEW_MESSAGE_BY_ID: 33,
  HEART_BEAT: 34,
  UNREGISTER_CLIENT: 35,
  END_TRANSACTION: 37,
  CHECK_TRANSACTION_STATE: 39,
  NOTIFY_CONSUMER_IDS_CHANGED: 40,
  GET_ROUTEINFO_BY_TOPIC: 105,
  GET_BROKER_CLUSTER_INFO: 106,
  RESET_CONSUMER_CLIENT_OFFSET: 220,
  GET_CONSUMER_STATUS_FROM_CLIENT: 221,
  GET_CONSUMER_RUNNING_INFO: 307,
  CONSUME_MESSAGE_DIRECTLY: 309,
  SEND_MESSAGE_V2: 310,
  SEND_BATCH_MESSAGE: 320,
  SEND_REPLY_MESSAGE: 324,
  SEND_REPLY_MESSAGE_V2: 325,
  PUSH_REPLY_MESSAGE_TO_CLIENT: 326,
  RECALL_MESSAGE: 370,
} as const;

// Response codes are the broker side of the one error table.
export { ResponseCode } from '../errors.ts';

function invert(table: Record<string, number>): Map<number, string> {
  return new Map(Object.entries(table).map(([name, code]) => [code, name]));
}

/** LanguageCode.java: the name goes into JSON headers, the number into ROCKETMQ binary headers. */
export const LanguageCode = {
  JAVA: 0,
  CPP: 1,
  DOTNET: 2,
  PYTHON: 3,
  DELPHI: 4,
  ERLANG: 5,
  RUBY: 6,
  OTHER: 7,
  HTTP: 8,
  GO: 9,
  PHP: 10,
  OMS: 11,
  RUST: 12,
  NODE_JS: 13,
} as const;

export type LanguageName = keyof typeof LanguageCode;
const LANGUAGE_NAMES = invert(LanguageCode);

export function languageName(code: number): string {
  return LANGUAGE_NAMES.get(code) ?? `LANGUAGE_${code}`;
}
