// The Lambda adapter's public surface (the package's "./lambda" entry): the warm producer per
// container in either handler style, its configuration from environment variables, and the HTTP
// and topic-policy pieces the shipped functions are built from.
export { Engine, type EngineOptions, type Invocation } from './engine.ts';
export { MetricUnit } from '@aws-lambda-powertools/metrics';
export { prepareInInit, sharedEngine, withProducer, type ProducerHandler } from './with-producer.ts';
export { rocketmqProducer, type ContextWithProducer, type MiddyRequestLike, type ProducerMiddleware } from './middleware.ts';
export { ConfigError, producerOptions, readConfig, VARIABLES, withSecrets, type AdapterConfig } from './config.ts';
export { errorResponse, json, RequestError, statusFor, toHttpRequest, type HttpRequest } from './http.ts';
export { allowlistProblem, parseAllowlist, reservedReason, topicPolicy, type TopicPolicy, type TopicRefusal } from './topic-policy.ts';
export {
  checkedContext,
  validTraceparent,
  contextFromHeaders,
  invocationXrayHeader,
  DEFAULT_TRACE_PROPERTIES,
  withTraceContext,
  type TraceContext,
  type TraceProperties,
} from './trace-context.ts';
