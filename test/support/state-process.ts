// A producer in a process of its own, for tests where one container learns from another through
// the shared table. Prints one JSON line with what happened.
//   tsx test/support/state-process.ts '{"mode":"isolate"|"send", ...}'
import { localClient } from '../../infra/local/dynamodb.ts';
import { createInternalProducer, type SendResult } from '../../lib/internal.ts';
import { DynamoDbSharedState } from '../../lib/internal.ts';

const args = JSON.parse(process.argv[2] ?? '{}') as {
  mode: 'isolate' | 'send';
  nameServer: string;
  endpoint: string;
  table: string;
  scope: string;
  count?: number;
};
const client = localClient(args.endpoint);
const producer = createInternalProducer({
  nameServers: [args.nameServer],
  producerGroup: 'state-process',
  mqClientApiTimeout: 1000,
  logger: () => undefined,
  sharedState: new DynamoDbSharedState({ tableName: args.table, client, scope: args.scope }),
});
await producer.start();
const out: Record<string, unknown> = {};
if (args.mode === 'isolate') {
  // The test has frozen broker-a: this send times out there and isolates it.
  const error = await producer
    .send({ topic: 'TopicTest', body: 'to a frozen broker' }, { queue: { topic: 'TopicTest', brokerName: 'broker-a', queueId: 0 }, timeoutMs: 1000 })
    .then(
      () => undefined,
      (e) => e,
    );
  await producer.flush();
  out.errorCode = error?.code;
  out.isolatedForMs = producer.faults!.isolatedFor('broker-a');
  out.stateWrites = producer.sync!.counters.writes;
} else {
  const results: SendResult[] = [];
  for (let i = 0; i < (args.count ?? 10); i++) results.push(await producer.send({ topic: 'TopicTest', body: `cold ${i}` }));
  await producer.flush();
  out.brokers = results.map((r) => r.queue.brokerName);
  out.addresses = producer.remoting.addresses();
  out.nameServerLookups = producer.routes.lookups;
  out.isolationsLearned = producer.sync!.counters.isolationsLearned;
}
process.stdout.write(`${JSON.stringify(out)}\n`);
// No shutdown on purpose in isolate mode: unregistering from the frozen broker would only wait.
producer.remoting.shutdown();
client.destroy();
