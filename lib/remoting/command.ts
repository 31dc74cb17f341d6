// RemotingCommand: what one frame carries. Every header field value is a string on the wire.

export const SerializeType = { JSON: 0, ROCKETMQ: 1 } as const;
export type SerializeTypeCode = (typeof SerializeType)[keyof typeof SerializeType];
export type SerializeTypeName = keyof typeof SerializeType;

/** Header `flag` bits: bit 0 marks a response, bit 1 a oneway request (no response comes). */
export const Flag = { RESPONSE: 1, ONEWAY: 2 } as const;

export interface RemotingCommand {
  code: number;
  /** LanguageCode name, e.g. "JAVA"; binary headers carry the number, decoded to the name. */
  language: string;
  version: number;
  opaque: number;
  flag: number;
  remark?: string;
  extFields: Record<string, string>;
  body?: Buffer;
  /** How the header of a decoded frame was serialized. */
  serializeType?: SerializeTypeCode;
}

/** A request as a caller builds it: the connection fills in opaque, language, version and flag. */
export type RequestCommand = Omit<RemotingCommand, 'opaque' | 'language' | 'version' | 'flag'>;

export const isResponse = (command: RemotingCommand): boolean => (command.flag & Flag.RESPONSE) !== 0;
export const isOneway = (command: RemotingCommand): boolean => (command.flag & Flag.ONEWAY) !== 0;

/**
 * What we announce in every request header. JAVA is a language every broker from 4.9 to 5.3
 * knows (NODE_JS exists only from 5.3.2; older brokers decode it to null and fail on it in
 * heartbeat bookkeeping and metrics). 479 is V5_3_3: at least 401, so name servers from 4.9.4 on
 * answer routes in standard JSON, and above 475, so a 5.3 broker that is shutting down answers
 * GO_AWAY (1500) instead of dropping the request.
 */
export const CLIENT_LANGUAGE = 'JAVA';
export const CLIENT_VERSION = 479;
