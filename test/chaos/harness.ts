// Runs one chaos scenario against the real local stack: mark every queue, start the traffic, apply
// the fault partway through, keep the traffic going, heal, finish, read every queue back from the
// mark, and classify each message against what its caller was told.
import { DeleteItemCommand, ScanCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LOCAL_CREDENTIALS, LOCAL_REGION, localAwsEnv, localClient } from '../../infra/local/dynamodb.ts';
import { BROKER_NAMES } from '../../infra/local/config.ts';
import { clusterInfo, topicRoute } from '../../infra/local/probe.ts';
import { brokerControl, serviceControl, type StackInfo } from '../../infra/local/stack.ts';
import { ensureTable } from '../../infra/table.ts';
import { createProducer, type Producer } from '../../lib/internal.ts';
import { RemotingClient } from '../../lib/internal.ts';
import { DynamoDbSharedState, createStateClient } from '../../lib/internal.ts';
import { markOffsets, queuesOf, readSince, type QueueRef } from '../support/queue-reader.ts';
import { childContainer, inProcessContainer, managedContainer, type ChildContainer, type Container } from './containers.ts';
import { coldStarts, DRIVERS, MANAGED_SHAPE, type DriverContext, type DriverName } from './drivers.ts';
import { countCopies, Ledger, type Classification } from './ledger.ts';
import { Traffic } from './traffic.ts';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export const TOPIC = 'TopicTest';
const PRODUCER_GROUP = 'chaos';
const STATE_SCOPE = 'chaos';

/** The functions' timeouts (serverless.yml): what a Lambda of each has left when invoked. */
export const FUNCTION_TIMEOUTS = { publish: 10_000, bridge: 30_000 };

export interface Controls {
  stack: StackInfo;
  broker: typeof brokerControl;
  service: typeof serviceControl;
}

export interface FaultContext {
  controls: Controls;
  traffic: Traffic;
  /** The scenario's own container process, when its drivers use one. */
  child: ChildContainer | undefined;
  /** Notes a step of the fault, with its time since traffic started. */
  log(step: string): void;
  sleep(ms: number): Promise<void>;
  /** Cold containers invoked with `budgetMs` left (DynamoDB scenarios). */
  coldStarts(containers: number, budgetMs: number): Promise<void>;
}

export interface Scenario {
  name: string;
  /** One paragraph for RELIABILITY.md. */
  description: string;
  drivers: DriverName[];
  /** Traffic before the fault, the fault's expected length, traffic after it: the pace is spread over the sum. */
  preMs: number;
  faultMs: number;
  postMs: number;
  /** Time left at each invocation, when not the functions' timeouts. */
  budgets?: Partial<DriverContext['budgets']>;
  /** Needs the stack's own DynamoDB Local (it freezes it). */
  needsDynamoDb?: boolean;
  /** Over two minutes: `npm run chaos` only. */
  long?: boolean;
  fault(ctx: FaultContext): Promise<void>;
}

export interface ScenarioResult {
  name: string;
  description: string;
  startedAt: string;
  durationMs: number;
  steps: string[];
  rows: Classification[];
  /** Keys of this scenario found stored that no driver sent (must be none). */
  strangers: string[];
  /** Bridge records (all bridge drivers) and how many ended stored at least once. */
  bridge: { records: number; endedStored: number; deadLettered: number } | undefined;
  unhandled: string[];
  /** Brokers the shared table still isolated when the traffic ended, and for how much longer. */
  isolations: { brokerName: string; remainingMs: number }[];
  /** Messages stored on each broker after the fault was healed. */
  afterHeal: Record<string, number>;
  /** The most frequent reasons callers were told "failed", per driver. */
  failureReasons: { driver: string; reason: string; count: number }[];
  error?: string;
}

export interface HarnessOptions {
  stack: StackInfo;
  dynamodbEndpoint: string;
  /** Messages per driver per scenario. */
  count: number;
  runId: string;
  visibilityMs?: number;
  /** PUBLISH_ONCE=on in every container: a redelivered record or a keyed HTTP retry already stored is not sent again. */
  publishOnce?: boolean;
  log?: (line: string) => void;
}

/**
 * The environment the functions read, as deployed: shared state in a real table on the local
 * DynamoDB, logs and metrics quiet (failures are counted here, not read from logs).
 */
export function functionEnvironment(options: HarnessOptions, table: string): Record<string, string> {
  return {
    NAMESRV_ADDR: options.stack.nameServer,
    PRODUCER_GROUP,
    TARGET_TOPIC: TOPIC,
    ALLOWED_TOPICS: TOPIC,
    STATE_TABLE: table,
    STATE_SCOPE,
    PUBLISH_ONCE: options.publishOnce ? 'on' : 'off',
    ...localAwsEnv(options.dynamodbEndpoint),
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: process.env.CHAOS_LOG_LEVEL ?? 'CRITICAL',
    // The SDK's notice, once per process, that it will want Node 22 in 2027: noise in every container.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

const unhandled: string[] = [];
let listening = false;

/** Every promise rejection nobody handled, in this process, from the first call on. */
export function watchUnhandledRejections(): string[] {
  if (!listening) {
    process.on('unhandledRejection', (reason) => unhandled.push(String((reason as Error)?.stack ?? reason)));
    listening = true;
  }
  return unhandled;
}

/** Thaws everything, restarts what is down, and waits until the cluster serves the topic again. */
export async function heal(controls: Controls): Promise<void> {
  const { broker, service, stack } = controls;
  for (const name of BROKER_NAMES) broker.thaw(name);
  service.thaw('nameServer');
  if (stack.dynamodb) service.thaw('dynamodb');
  if (!service.isRunning('nameServer')) await service.restart('nameServer');
  for (const name of BROKER_NAMES) if (!broker.isRunning(name)) await broker.restart(name);
  const deadline = Date.now() + 120_000;
  for (;;) {
    const cluster = await clusterInfo(stack.nameServer).catch(() => undefined);
    const route = await topicRoute(stack.nameServer, TOPIC).catch(() => null);
    const registered = BROKER_NAMES.every((b) => cluster?.brokers[b]?.['0'] === stack.brokers[b].address);
    const routed = BROKER_NAMES.every((b) => route?.queueDatas.some((q) => q.brokerName === b));
    if (registered && routed) return;
    if (Date.now() > deadline) throw new Error(`the cluster did not come back: ${JSON.stringify({ cluster, route })}`);
    await sleep(500);
  }
}

async function clearTable(client: DynamoDBClient, table: string): Promise<void> {
  const { Items = [] } = await client.send(new ScanCommand({ TableName: table, ProjectionExpression: 'pk, sk' }));
  for (const item of Items) await client.send(new DeleteItemCommand({ TableName: table, Key: { pk: item.pk!, sk: item.sk! } }));
}

/** One run of scenarios: the table, the warm container, the reader, shared by every scenario. */
export class Harness {
  readonly table: string;
  readonly env: NodeJS.ProcessEnv;
  readonly controls: Controls;
  private dynamodb!: DynamoDBClient;
  private readonly reader = new RemotingClient();
  private readonly queues: QueueRef[];
  private warm: Container | undefined;
  private readonly log: (line: string) => void;

  constructor(readonly options: HarnessOptions) {
    this.table = `chaos-${options.runId}`;
    this.env = { ...process.env, ...functionEnvironment(options, this.table) };
    this.controls = { stack: options.stack, broker: brokerControl, service: serviceControl };
    const brokers = Object.fromEntries(Object.entries(options.stack.brokers).map(([name, b]) => [name, b.address]));
    const queueCount = options.stack.topics.find((t) => t.name === TOPIC)?.queues ?? 4;
    this.queues = queuesOf(brokers, queueCount);
    this.log = options.log ?? (() => undefined);
  }

  /** Sets this process up as a container of the functions (their environment, their table). */
  async open(): Promise<void> {
    Object.assign(process.env, functionEnvironment(this.options, this.table));
    watchUnhandledRejections();
    this.dynamodb = localClient(this.options.dynamodbEndpoint);
    await ensureTable(this.dynamodb, this.table);
  }

  async close(): Promise<void> {
    await this.warm?.close();
    this.reader.shutdown();
    this.dynamodb?.destroy();
  }

  private directProducer(): { producer: Producer; close: () => Promise<void> } {
    const client = createStateClient({ endpoint: this.options.dynamodbEndpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    const producer = createProducer({
      nameServers: [this.options.stack.nameServer],
      producerGroup: `${PRODUCER_GROUP}-direct`,
      sharedState: new DynamoDbSharedState({ tableName: this.table, client, scope: STATE_SCOPE }),
      logger: () => undefined,
    });
    return {
      producer,
      close: async () => {
        await producer.shutdown();
        client.destroy();
      },
    };
  }

  async run(scenario: Scenario): Promise<ScenarioResult> {
    const startedAt = new Date();
    const steps: string[] = [];
    const unhandledBefore = watchUnhandledRejections().length;
    const result: ScenarioResult = {
      name: scenario.name,
      description: scenario.description,
      startedAt: startedAt.toISOString(),
      durationMs: 0,
      steps,
      rows: [],
      strangers: [],
      bridge: undefined,
      unhandled: [],
      isolations: [],
      afterHeal: {},
      failureReasons: [],
    };
    let healedAt = Number.POSITIVE_INFINITY;

    // A clean start for every scenario: whole cluster, empty shared state, a new warm container.
    await heal(this.controls);
    await clearTable(this.dynamodb, this.table);
    await this.warm?.close();
    this.warm = await inProcessContainer();
    const direct = this.directProducer();
    await direct.producer.start();
    const needsChild = scenario.drivers.some((d) => d.startsWith('child-'));
    const child = needsChild ? await childContainer(`${scenario.name}-child`, this.env) : undefined;
    const needsManaged = scenario.drivers.some((d) => d.startsWith('lmi-'));
    const managed = needsManaged ? await managedContainer(`${scenario.name}-lmi`, this.env, MANAGED_SHAPE) : undefined;

    const prefix = `${this.options.runId}-${scenario.name}`;
    const ledger = new Ledger(prefix);
    const mark = await markOffsets(this.reader, TOPIC, this.queues);
    const traffic = new Traffic(scenario.preMs + scenario.faultMs + scenario.postMs, scenario.postMs);
    const ctx: DriverContext = {
      ledger,
      traffic,
      count: this.options.count,
      topic: TOPIC,
      producer: direct.producer,
      warm: this.warm,
      child,
      managed,
      budgets: { ...FUNCTION_TIMEOUTS, ...scenario.budgets },
      visibilityMs: this.options.visibilityMs ?? 5000,
      env: this.env,
      unhandled: [],
    };
    const log = (step: string) => {
      const line = `${((Date.now() - startedAt.getTime()) / 1000).toFixed(1)} s  ${step}`;
      steps.push(line);
      this.log(`  ${scenario.name}: ${line}`);
    };

    let drivers: Promise<PromiseSettledResult<void>[]> | undefined;
    try {
      traffic.start();
      log(`traffic started: ${scenario.drivers.join(', ')}, ${this.options.count} messages each`);
      drivers = Promise.allSettled(scenario.drivers.map((d) => DRIVERS[d](ctx)));
      await sleep(scenario.preMs);
      try {
        await scenario.fault({
          controls: this.controls,
          traffic,
          child,
          log,
          sleep,
          coldStarts: (containers, budgetMs) => coldStarts(ctx, containers, budgetMs),
        });
      } finally {
        // Whatever the fault did or failed to do, the traffic ends against a whole cluster.
        traffic.resume();
        child?.thaw();
        try {
          await heal(this.controls);
          healedAt = Date.now();
        } finally {
          traffic.healed();
        }
      }
      log('healed; traffic goes on until every driver has sent its share');
    } catch (err) {
      result.error = String((err as Error)?.stack ?? err);
      log(`harness error: ${(err as Error)?.message ?? err}`);
    } finally {
      traffic.healed(); // a harness error above must not hold the traffic back forever
      const settled = (await drivers) ?? [];
      const broken = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (broken && !result.error) result.error = String(broken.reason?.stack ?? broken.reason);
      log('traffic done');
      await direct.close().catch(() => undefined);
      await child?.close();
      await managed?.close();
    }
    const now = Date.now();
    const faults = await new DynamoDbSharedState({ tableName: this.table, client: this.dynamodb, scope: STATE_SCOPE }).loadFaults();
    result.isolations = faults.filter((f) => f.isolatedUntil > now).map((f) => ({ brokerName: f.brokerName, remainingMs: f.isolatedUntil - now }));

    await heal(this.controls);
    const messages = await readSince(this.reader, TOPIC, this.queues, mark);
    const copies = countCopies(messages, prefix);
    const { byDriver, strangers } = ledger.classify(copies);
    const bridgeKeys = [...ledger.records.values()].filter((r) => r.driver.includes('bridge'));
    const order = (driver: string) =>
      scenario.drivers.includes(driver as DriverName) ? scenario.drivers.indexOf(driver as DriverName) : scenario.drivers.length;
    result.rows = byDriver.sort((a, b) => order(a.driver) - order(b.driver));
    result.strangers = strangers;
    result.bridge = bridgeKeys.length
      ? {
          records: bridgeKeys.length,
          endedStored: bridgeKeys.filter((r) => (copies.get(r.key)?.copies ?? 0) > 0).length,
          deadLettered: bridgeKeys.filter((r) => r.confirmed === 0).length,
        }
      : undefined;
    for (const m of messages) {
      if (m.storeTimestamp >= healedAt && m.keys.some((k) => copies.has(k))) result.afterHeal[m.brokerName] = (result.afterHeal[m.brokerName] ?? 0) + 1;
    }
    result.failureReasons = failureReasons(ledger);
    result.unhandled = [...watchUnhandledRejections().slice(unhandledBefore), ...(child?.unhandled ?? []), ...ctx.unhandled];
    result.durationMs = Date.now() - startedAt.getTime();
    log(`read back ${messages.length} messages of ${TOPIC} since the mark, ${[...copies.values()].reduce((a, b) => a + b.copies, 0)} of this scenario`);
    return result;
  }
}

/** The three most frequent last errors per driver, first line, trimmed. */
function failureReasons(ledger: Ledger): ScenarioResult['failureReasons'] {
  const counts = new Map<string, { driver: string; reason: string; count: number }>();
  for (const r of ledger.records.values()) {
    if (r.failed === 0 || !r.lastError) continue;
    const reason = r.lastError.split('\n')[0]!.slice(0, 160);
    const entry = counts.get(`${r.driver}\u0000${reason}`) ?? { driver: r.driver, reason, count: 0 };
    entry.count += 1;
    counts.set(`${r.driver}\u0000${reason}`, entry);
  }
  const all = [...counts.values()].sort((a, b) => b.count - a.count);
  return ledger.drivers().flatMap((d) => all.filter((e) => e.driver === d).slice(0, 3));
}
