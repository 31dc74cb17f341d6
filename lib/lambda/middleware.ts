// The middy entry style over the same engine. The invocation lives under request.internal
// (namespaced key) and on context.rocketmq for the handler.
//   export const handler = middy(base).use(rocketmqProducer());
import type { MiddlewareObj, Request } from '@middy/core';
import type { Context } from 'aws-lambda';
import type { Engine, Invocation } from './engine.ts';
import { sharedEngine } from './with-producer.ts';

export const INTERNAL_KEY = 'rocketmq-producer';

export type ContextWithProducer = Context & { rocketmq: Invocation };

export function rocketmqProducer(options: { engine?: Engine } = {}): MiddlewareObj<unknown, unknown, Error, Context> {
  const engine = options.engine ?? sharedEngine();
  const finish = async (request: Request<unknown, unknown, Error, Context>) => {
    await engine.after((request.internal as Record<string, unknown>)[INTERNAL_KEY] as Invocation | undefined);
  };
  return {
    before: async (request) => {
      const invocation = await engine.before(request.context);
      (request.internal as Record<string, unknown>)[INTERNAL_KEY] = invocation;
      (request.context as ContextWithProducer).rocketmq = invocation;
    },
    after: finish,
    onError: finish,
  };
}
