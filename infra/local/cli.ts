// npm run stack:up | stack:status | stack:down | clusters:down, and by hand:
//   tsx infra/local/cli.ts broker <stop|kill|freeze|thaw|restart> <broker-a|broker-b>
//   tsx infra/local/cli.ts nameserver <kill|freeze|thaw|restart>
import type { BrokerName } from './config.ts';
import { StackError } from './errors.ts';

const BROKER_ACTIONS = ['stop', 'kill', 'freeze', 'thaw', 'restart'] as const;
type BrokerAction = (typeof BROKER_ACTIONS)[number];
const NAMESERVER_ACTIONS = ['kill', 'freeze', 'thaw', 'restart'] as const;
type NameServerAction = (typeof NAMESERVER_ACTIONS)[number];

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

async function main(argv: string[]): Promise<number> {
  // Loaded here rather than at the top: config.ts refuses a bad STACK_PORT_OFFSET as it loads, and
  // the refusal should print as one sentence like every other StackError.
  const [{ BROKER_NAMES }, { brokerControl, describe, down, readState, serviceControl, up }] = await Promise.all([import('./config.ts'), import('./stack.ts')]);
  const [command, ...rest] = argv;
  switch (command) {
    case 'up': {
      const { state, reused } = await up();
      if (reused) process.stderr.write('The local stack is already running; not starting it twice.\n');
      else process.stderr.write(`The local stack came up in ${(state.startup.total ?? 0) / 1000} s.\n`);
      print(describe(state));
      return 0;
    }
    case 'status': {
      const state = readState();
      if (!state) {
        process.stderr.write('No local stack is running.\n');
        return 1;
      }
      print(describe(state));
      return 0;
    }
    case 'down': {
      const stopped = await down();
      process.stderr.write(stopped ? 'The local stack is stopped.\n' : 'No local stack was running.\n');
      return 0;
    }
    case 'clusters-down': {
      // Test clusters (cluster.ts) stop themselves; this is for a run that was killed.
      const { stopLeftoverClusters } = await import('./cluster.ts');
      const cleaned = await stopLeftoverClusters();
      process.stderr.write(
        cleaned.length ? `Stopped what test clusters at offsets ${cleaned.join(', ')} left behind.\n` : 'No test cluster was left behind.\n',
      );
      return 0;
    }
    case 'broker': {
      const [action, name] = rest as [BrokerAction, BrokerName];
      if (!BROKER_ACTIONS.includes(action) || !BROKER_NAMES.includes(name)) {
        throw new StackError(`usage: broker <${BROKER_ACTIONS.join('|')}> <${BROKER_NAMES.join('|')}>`);
      }
      await brokerControl[action](name);
      print(describe(readState()!).brokers[name]);
      return 0;
    }
    case 'nameserver': {
      const [action] = rest as [NameServerAction];
      if (!NAMESERVER_ACTIONS.includes(action)) throw new StackError(`usage: nameserver <${NAMESERVER_ACTIONS.join('|')}>`);
      await serviceControl[action]('nameServer');
      print({ address: readState()!.nameServer.address, running: serviceControl.isRunning('nameServer') });
      return 0;
    }
    default:
      throw new StackError('usage: cli.ts <up|status|down|clusters-down|broker|nameserver>');
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof StackError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  },
);
