// The chaos scenarios of issue #13. Each applies its fault partway through the traffic and heals
// it; the harness keeps the traffic going through both and reads everything back afterwards.
import type { DriverName } from './drivers.ts';
import type { Scenario } from './harness.ts';

const ALL: DriverName[] = ['bridge-10', 'bridge-100', 'http', 'send', 'send-async', 'send-batch'];

/** broker-a frozen (SIGSTOP) for 5 s, then thawed. */
const freezeBrokerA5s: Scenario['fault'] = async ({ controls, log, sleep }) => {
  controls.broker.freeze('broker-a');
  log('broker-a frozen');
  await sleep(5000);
  controls.broker.thaw('broker-a');
  log('broker-a thawed');
};

export const SCENARIOS: Scenario[] = [
  {
    name: 'broker-freeze-5s',
    description: 'broker-a is frozen (SIGSTOP) for 5 s, then thawed (SIGCONT): its sockets stay open and nothing answers.',
    drivers: ALL,
    preMs: 4000,
    faultMs: 5000,
    postMs: 8000,
    fault: freezeBrokerA5s,
  },
  {
    name: 'lmi-broker-freeze-5s',
    description:
      'Lambda Managed Instances: publish and the bridge each in 4 worker threads of up to 64 invocations at once; broker-a is frozen (SIGSTOP) for 5 s, then thawed. Invocations that wait on the frozen broker pile up beside those that do not, all sharing one producer per thread. With up to 256 sends in flight when broker-a stops, each one that times out is retried on broker-b and stored again when broker-a thaws and works off what it had read: duplicates run higher than with four invocations at a time (at least once, as with every retry).',
    drivers: ['lmi-bridge-10', 'lmi-http'],
    preMs: 4000,
    faultMs: 5000,
    postMs: 8000,
    fault: freezeBrokerA5s,
  },
  {
    name: 'broker-kill',
    description: 'broker-a is killed (SIGKILL), stays down 3 s, and is restarted on the same store; the name server learns of it only by timeout.',
    drivers: ALL,
    preMs: 4000,
    faultMs: 15_000,
    postMs: 8000,
    async fault({ controls, log, sleep }) {
      await controls.broker.kill('broker-a');
      log('broker-a killed');
      await sleep(3000);
      await controls.broker.restart('broker-a');
      log('broker-a restarted and registered');
    },
  },
  {
    name: 'brokers-frozen',
    description: 'Both brokers are frozen for 5 s at once: no broker answers anything, then both thaw.',
    drivers: ALL,
    preMs: 4000,
    faultMs: 5000,
    postMs: 8000,
    async fault({ controls, log, sleep }) {
      controls.broker.freeze('broker-a');
      controls.broker.freeze('broker-b');
      log('broker-a and broker-b frozen');
      await sleep(5000);
      controls.broker.thaw('broker-a');
      controls.broker.thaw('broker-b');
      log('both thawed');
    },
  },
  {
    name: 'broker-stop',
    description: 'broker-a is stopped gracefully (SIGTERM: it unregisters from the name server and shuts down), stays down 3 s, and is restarted.',
    drivers: ALL,
    preMs: 4000,
    faultMs: 20_000,
    postMs: 8000,
    async fault({ controls, log, sleep }) {
      log('broker-a stopping');
      await controls.broker.stop('broker-a');
      log('broker-a stopped');
      await sleep(3000);
      await controls.broker.restart('broker-a');
      log('broker-a restarted and registered');
    },
  },
  {
    name: 'namesrv-kill',
    description:
      'The name server is killed (SIGKILL) once every route is cached, stays down 35 s (past the 30 s route refresh), and is restarted empty; the brokers re-register within 30 s.',
    drivers: ALL,
    preMs: 5000,
    faultMs: 45_000,
    postMs: 8000,
    async fault({ controls, log, sleep }) {
      await controls.service.kill('nameServer');
      log('name server killed');
      await sleep(35_000);
      await controls.service.restart('nameServer');
      log('name server restarted (no broker registered yet)');
    },
  },
  {
    name: 'namesrv-freeze-40s',
    description: 'The name server is frozen (SIGSTOP) for 40 s once every route is cached: route refreshes (every 30 s) get no answer.',
    drivers: ALL,
    preMs: 5000,
    faultMs: 40_000,
    postMs: 8000,
    async fault({ controls, log, sleep }) {
      controls.service.freeze('nameServer');
      log('name server frozen');
      await sleep(40_000);
      controls.service.thaw('nameServer');
      log('name server thawed');
    },
  },
  {
    name: 'dynamodb-freeze',
    description:
      'DynamoDB Local (the shared state table) is frozen for 15 s, past the 10 s state refresh of warm containers; during the freeze three containers start cold, each first invoked with 3 s left (two bridge batches of 10, one publish).',
    drivers: ['bridge-10', 'http', 'send', 'send-async'],
    preMs: 4000,
    faultMs: 15_000,
    postMs: 8000,
    needsDynamoDb: true,
    async fault({ controls, log, sleep, coldStarts }) {
      controls.service.freeze('dynamodb');
      log('DynamoDB frozen');
      const cold = coldStarts(3, 3000).then(() => log('cold starts done'));
      await sleep(15_000);
      controls.service.thaw('dynamodb');
      log('DynamoDB thawed');
      await cold;
    },
  },
  {
    name: 'deadline-800ms',
    description: 'Every invocation gets only 800 ms (the publish and bridge functions near their timeout) while broker-a is frozen for 8 s.',
    drivers: ['bridge-10', 'http'],
    budgets: { publish: 800, bridge: 800 },
    preMs: 3000,
    faultMs: 8000,
    postMs: 6000,
    async fault({ controls, log, sleep }) {
      controls.broker.freeze('broker-a');
      log('broker-a frozen');
      await sleep(8000);
      controls.broker.thaw('broker-a');
      log('broker-a thawed');
    },
  },
  {
    name: 'http-retry',
    description:
      'An HTTP client that retries every request once: it sends each request with an Idempotency-Key, drops the response whatever it was, and sends the same request again with the same key, at once (`http-retry`, in the next millisecond) or 1 s later (`http-retry-1s`); only the second answer counts. No fault on the cluster: every first request is stored, so with publish once off every retry stores a second copy (with the same UNIQ_KEY), and with it on the retry is answered with the first result when the brokers already index the first copy.',
    drivers: ['http-retry', 'http-retry-1s'],
    preMs: 4000,
    faultMs: 0,
    postMs: 8000,
    async fault({ log }) {
      log('every first response dropped, every request sent again with its Idempotency-Key');
    },
  },
  {
    name: 'idle-gap',
    description:
      "Traffic stops for 130 s, longer than the broker's 120 s idle close, then resumes: in this process (the event loop runs, a warm container idles) and in a container process frozen whole (SIGSTOP) for the gap, as Lambda freezes a sandbox between invocations.",
    drivers: ['bridge-10', 'http', 'send', 'child-bridge-10', 'child-http'],
    preMs: 5000,
    faultMs: 0,
    postMs: 8000,
    long: true,
    async fault({ traffic, child, log, sleep }) {
      traffic.pause();
      // Let what is in flight land before the container is frozen: Lambda freezes between invocations.
      await sleep(2000);
      child?.freeze();
      log('traffic paused, container process frozen');
      await sleep(130_000);
      child?.thaw();
      log('container process thawed');
      traffic.resume();
      log('traffic resumed');
    },
  },
];
