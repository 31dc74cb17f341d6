// Two entry styles over one engine: a plain wrapper, and a middy middleware (middleware.ts).
//   export const handler = withProducer(async (event, context, rocketmq) => { ... });
import type { Context } from 'aws-lambda';
import { Engine, type Invocation, type WarmUp } from './engine.ts';

let defaultEngine: Engine | undefined;

/** The container's engine (module scope: it and its producer survive between invocations). */
export function sharedEngine(): Engine {
  defaultEngine ??= new Engine();
  return defaultEngine;
}

export type ProducerHandler<E, R> = (event: E, context: Context, invocation: Invocation) => Promise<R>;

export function withProducer<E, R>(handler: ProducerHandler<E, R>, engine: Engine = sharedEngine()): (event: E, context: Context) => Promise<R> {
  return (event, context) =>
    engine.inContext(context, async () => {
      let invocation: Invocation | undefined;
      try {
        invocation = await engine.before(context);
        return await handler(event, context, invocation);
      } finally {
        await engine.after(invocation);
      }
    });
}

/**
 * Call at the top level of a function module (`await prepareInInit()`): in Lambda's init phase it
 * starts the container's producer, fetches the routes of `topics` (and of every topic
 * ALLOWED_TOPICS names exactly), connects to their brokers and rehearses the pure half of a send,
 * so the first event finds its route and sockets ready and much of its code compiled. Outside Lambda (tests, tools importing the module) it does nothing.
 * With WARM_UP_TOPIC set it also sends one real message there: through `warmUp` (the function's
 * own handler on an event publishing that message) when given, else through the producer.
 */
export async function prepareInInit(
  topics: string[] = [],
  engine: Engine = sharedEngine(),
  env: NodeJS.ProcessEnv = process.env,
  warmUp?: WarmUp,
): Promise<void> {
  if (!env.AWS_LAMBDA_FUNCTION_NAME) return;
  let named: string[] = [];
  try {
    named = engine.configuration().allowedTopics.filter((t) => !t.includes('*'));
  } catch {
    // A bad variable: the first invocation reports it.
  }
  await engine.prepare([...new Set([...topics, ...named])], undefined, warmUp);
}
