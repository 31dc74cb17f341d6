// The middy entry style over the same engine. The invocation lives under request.internal
// (namespaced key) and on context.rocketmq for the handler.
//   export const handler = middy(base).use(rocketmqProducer());
// The types below are middy's middleware shape written out, so this package needs @middy/core
// neither at run time nor to type-check (it is an optional peer dependency).
import type { Context } from 'aws-lambda';
import type { Engine, Invocation } from './engine.ts';
import { sharedEngine } from './with-producer.ts';

export const INTERNAL_KEY = 'rocketmq-producer';

export type ContextWithProducer = Context & { rocketmq: Invocation };

/** The part of middy's request a middleware of ours reads and writes. */
export interface MiddyRequestLike {
  context: Context;
  internal: Record<string, unknown>;
}

/** middy's MiddlewareObj, structurally: `.use()` takes it. */
export interface ProducerMiddleware {
  name: string;
  before: (request: MiddyRequestLike) => Promise<void>;
  after: (request: MiddyRequestLike) => Promise<void>;
  onError: (request: MiddyRequestLike) => Promise<void>;
}

export function rocketmqProducer(options: { engine?: Engine } = {}): ProducerMiddleware {
  const engine = options.engine ?? sharedEngine();
  const finish = async (request: MiddyRequestLike) => {
    await engine.after(request.internal[INTERNAL_KEY] as Invocation | undefined);
  };
  return {
    name: 'rocketmqProducer',
    before: async (request) => {
      const invocation = await engine.before(request.context);
      request.internal[INTERNAL_KEY] = invocation;
      (request.context as ContextWithProducer).rocketmq = invocation;
    },
    after: finish,
    onError: finish,
  };
}
