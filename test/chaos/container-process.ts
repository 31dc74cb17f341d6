// One Lambda container in a process of its own (see containers.ts): imports the real handlers
// with the environment it was given, then runs the invocations it is sent over IPC, one context
// each, and reports how long each took against the time it was given.
import { lambdaContext } from '../../infra/local/server.ts';
import { sharedEngine } from '../../lib/internal.ts';
import { importHandlers, invokeTimed, type FunctionName } from './containers.ts';

type ToChild = { type: 'invoke'; id: number; fn: FunctionName; event: unknown; budgetMs: number } | { type: 'close' };

const send = (message: object) => process.send?.(message);
process.on('unhandledRejection', (reason) => send({ type: 'unhandled', reason: String((reason as Error)?.stack ?? reason) }));

const handlers = await importHandlers();
process.on('message', async (message: ToChild) => {
  if (message.type === 'close') {
    await sharedEngine().close();
    send({ type: 'closed' });
    process.disconnect();
    return;
  }
  const outcome = await invokeTimed(handlers[message.fn], message.event, lambdaContext(message.budgetMs));
  send({ type: 'outcome', id: message.id, ...outcome });
});
send({ type: 'ready' });
