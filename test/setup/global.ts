// Starts the real local stack once per test run (or reuses one started by `npm run stack:up`),
// hands its addresses to the tests, and stops what it started, also when tests fail.
//
// TEST_DYNAMODB selects the DynamoDB the tests talk to:
//   unset or "local"  DynamoDB Local, started with the stack (the conformance target)
//   "dynalite"        dynalite embedded in this process
//   http(s)://...     any endpoint
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import type { EmbeddedDynamoDb } from '../../infra/local/dynamodb.ts';
import { StackError } from '../../infra/local/errors.ts';
import type { StackInfo } from '../../infra/local/stack.ts';
import { seconds, startupSummary } from '../../infra/local/startup.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    stack: StackInfo;
    dynamodbEndpoint: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const choice = process.env.TEST_DYNAMODB ?? 'local';
  let stack: typeof import('../../infra/local/stack.ts');
  let started: Awaited<ReturnType<typeof stack.up>>;
  try {
    // Loaded here, inside the try: a refused STACK_PORT_OFFSET throws as the stack's config loads.
    stack = await import('../../infra/local/stack.ts');
    started = await stack.up({ dynamodb: choice === 'local' });
  } catch (err) {
    if (err instanceof StackError) {
      // One sentence a person can act on (missing java, busy ports), not a stack trace.
      const clean = new Error(err.message);
      clean.stack = err.message;
      throw clean;
    }
    throw err;
  }
  const { state, reused } = started;
  const { describe, down } = stack;
  const info = describe(state);
  console.log(reused ? `local stack: reusing the running one in ${info.dir}` : `local stack up in ${startupSummary(state.startup)}`);

  let embedded: EmbeddedDynamoDb | undefined;
  let endpoint: string;
  if (choice.startsWith('http')) {
    endpoint = choice;
  } else if (choice === 'local' && info.dynamodb) {
    endpoint = info.dynamodb.endpoint;
  } else {
    const { startDynalite } = await import('../../infra/local/dynamodb.ts');
    embedded = await startDynalite();
    endpoint = embedded.endpoint;
  }
  project.provide('stack', info);
  project.provide('dynamodbEndpoint', endpoint);

  return async () => {
    await embedded?.close();
    if (!reused) {
      const begun = Date.now();
      await down();
      console.log(`local stack stopped in ${seconds(Date.now() - begun)}`);
    }
  };
}
