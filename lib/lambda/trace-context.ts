// Trace context carried into message properties, so a consumer can continue the trace of whoever
// published: W3C Trace Context (traceparent, tracestate) and the X-Ray trace header. Neither X-Ray
// nor Powertools carries them through SQS into a message broker; here:
//   HTTP publish: the request's traceparent / tracestate / X-Amzn-Trace-Id headers;
//   SQS bridge:   the record's traceparent / tracestate message attributes (as OpenTelemetry's SQS
//                 propagation sets them) and its AWSTraceHeader system attribute;
// else the X-Ray header of this invocation (the runtime's invoke store, or _X_AMZN_TRACE_ID where
// one invocation runs at a time; set when active tracing is on).
// A value that is not well formed is dropped, never an error: a publish does not fail over
// tracing metadata (the W3C rule for a malformed traceparent is to ignore it). A property the
// caller set under the same name wins.
import type { InvokeStoreBase } from '@aws/lambda-invoke-store';
import type { Message } from '../message/message.ts';
import { hasSeparator, RESERVED_PROPERTY_NAMES } from '../message/properties.ts';

/** Which property each part of the context goes into; undefined leaves it out. */
export interface TraceProperties {
  traceparent: string | undefined;
  tracestate: string | undefined;
  xray: string | undefined;
}

export const DEFAULT_TRACE_PROPERTIES: TraceProperties = { traceparent: 'traceparent', tracestate: 'tracestate', xray: 'AWSTraceHeader' };

/** The context as found, before any check. */
export interface TraceContext {
  traceparent?: string | undefined;
  tracestate?: string | undefined;
  xray?: string | undefined;
}

// version-traceid-parentid-flags, lowercase hex; version ff is invalid, all-zero ids are invalid.
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}(-.*)?$/;
// Up to 32 list members key=value, printable ASCII without ',' and '=' inside values.
const TRACESTATE_MAX = 512;
const XRAY_ROOT = /(^|;)\s*Root=1-[0-9a-f]{8}-[0-9a-f]{24}\s*(;|$)/;
const XRAY_MAX = 512;
const PRINTABLE = /^[\x20-\x7e]*$/;

export function validTraceparent(value: string): boolean {
  const m = TRACEPARENT.exec(value);
  if (!m) return false;
  const [, version, traceId, parentId, rest] = m;
  if (version === 'ff' || /^0+$/.test(traceId!) || /^0+$/.test(parentId!)) return false;
  return version !== '00' || rest === undefined; // version 00 has exactly four fields
}

const validTracestate = (value: string) => value.length > 0 && value.length <= TRACESTATE_MAX && PRINTABLE.test(value);
const validXray = (value: string) => value.length <= XRAY_MAX && PRINTABLE.test(value) && XRAY_ROOT.test(value);

/** The parts of `found` that are well formed (tracestate only alongside a valid traceparent). */
export function checkedContext(found: TraceContext): TraceContext {
  const out: TraceContext = {};
  const traceparent = found.traceparent?.trim();
  if (traceparent && validTraceparent(traceparent)) {
    out.traceparent = traceparent;
    const tracestate = found.tracestate?.trim();
    if (tracestate && validTracestate(tracestate)) out.tracestate = tracestate;
  }
  const xray = found.xray?.trim();
  if (xray && validXray(xray)) out.xray = xray;
  return out;
}

/** The context of an HTTP request (header names lowercased), with this invocation's X-Ray header as fallback. */
export function contextFromHeaders(headers: Record<string, string>, env: NodeJS.ProcessEnv = process.env): TraceContext {
  return checkedContext({ traceparent: headers.traceparent, tracestate: headers.tracestate, xray: headers['x-amzn-trace-id'] || invocationXrayHeader(env) });
}

/**
 * This invocation's X-Ray trace header. The runtime keeps it per invocation in its invoke store;
 * one-at-a-time runtimes also set _X_AMZN_TRACE_ID, which on Lambda Managed Instances
 * (AWS_LAMBDA_MAX_CONCURRENCY set) belongs to no invocation in particular and is never read.
 */
export function invocationXrayHeader(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const store = (globalThis as { awslambda?: { InvokeStore?: InvokeStoreBase } }).awslambda?.InvokeStore;
  const fromStore = store?.hasContext() ? store.getXRayTraceId() : undefined;
  if (fromStore) return fromStore;
  return env.AWS_LAMBDA_MAX_CONCURRENCY === undefined ? env._X_AMZN_TRACE_ID : undefined;
}

/** The message with the context added under the configured names, unless the caller set them. */
export function withTraceContext(message: Message, context: TraceContext, names: TraceProperties): Message {
  const added: Record<string, string> = {};
  for (const part of ['traceparent', 'tracestate', 'xray'] as const) {
    const name = names[part];
    const value = context[part];
    if (name && value !== undefined && message.properties?.[name] === undefined) added[name] = value;
  }
  if (Object.keys(added).length === 0) return message;
  return { ...message, properties: { ...message.properties, ...added } };
}

/** Why a configured property name cannot carry trace context; undefined when it can. */
export function tracePropertyProblem(name: string): string | undefined {
  if (!PRINTABLE.test(name) || hasSeparator(name)) return `"${name}" is not a usable property name`;
  if (RESERVED_PROPERTY_NAMES.has(name)) return `"${name}" is a reserved system property name`;
  return undefined;
}
