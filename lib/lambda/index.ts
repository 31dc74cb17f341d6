// The Lambda adapter's public surface (the package's "./lambda" entry): what a user's handler
// needs. The warm producer per execution environment in either handler style, its configuration
// from environment variables, the metric units an invocation's metrics take, and the W3C trace
// context a handler carries from an incoming request into the messages it sends. The helpers only
// the shipped functions use (HTTP shapes, the topic allowlist, the trace-context checks) are in
// ./functions-kit.ts, outside the package's exports.
export { Engine, type EngineOptions, type Invocation, type WarmUp } from './engine.ts';
export { MetricUnit } from '@aws-lambda-powertools/metrics';
export { prepareInInit, sharedEngine, withProducer, type ProducerHandler } from './with-producer.ts';
export { rocketmqProducer, type ContextWithProducer, type MiddyRequestLike, type ProducerMiddleware } from './middleware.ts';
export { producerOptions, readConfig, withSecrets, type AdapterConfig } from './config.ts';
export { ConfigError, EDGE_ERROR_TABLE, EdgeError, type EdgeErrorName } from '../errors.ts';
export { contextFromHeaders, withTraceContext, type TraceContext } from './trace-context.ts';
