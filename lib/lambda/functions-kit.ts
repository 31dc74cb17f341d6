// What the shipped functions (functions/) are built from beside the public "./lambda" surface: the
// HTTP shapes and status mapping, the topic allowlist, the trace-context checks, and the one list
// of the adapter's variables with readConfig, which the Worker reads its bindings with (taken from
// here, they keep the Powertools of the "./lambda" entry out of its bundle). Not one of the
// package's exports: a user's handler does not need them, and keeping them out lets them change
// with the functions. The import-graph test lets
// functions/ reach lib/ through this module and the public entry points only.
export { ConfigError, withField } from '../errors.ts';
export { producerOptions, readConfig, VARIABLES, type AdapterConfig } from './config.ts';
export { errorResponse, json, RequestError, statusFor, toHttpRequest, type HttpRequest } from './http.ts';
export { allowlistProblem, parseAllowlist, reservedReason, topicPolicy, type TopicPolicy, type TopicRefusal } from './topic-policy.ts';
export {
  checkedContext,
  contextFromHeaders,
  DEFAULT_TRACE_PROPERTIES,
  invocationXrayHeader,
  validTraceparent,
  withTraceContext,
  type TraceContext,
  type TraceProperties,
} from './trace-context.ts';
