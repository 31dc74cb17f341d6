// Two entry styles over one engine: a plain wrapper, and a middy middleware (middleware.ts).
//   export const handler = withProducer(async (event, context, rocketmq) => { ... });
import type { Context } from 'aws-lambda';
import { Engine, type Invocation } from './engine.ts';

let defaultEngine: Engine | undefined;

/** The container's engine (module scope: it and its producer survive between invocations). */
export function sharedEngine(): Engine {
  defaultEngine ??= new Engine();
  return defaultEngine;
}

export type ProducerHandler<E, R> = (event: E, context: Context, invocation: Invocation) => Promise<R>;

export function withProducer<E, R>(handler: ProducerHandler<E, R>, engine: Engine = sharedEngine()): (event: E, context: Context) => Promise<R> {
  return async (event, context) => {
    let invocation: Invocation | undefined;
    try {
      invocation = await engine.before(context);
      return await handler(event, context, invocation);
    } finally {
      await engine.after(invocation);
    }
  };
}
