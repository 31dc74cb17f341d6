// The operator CLI's commands. Each prints a table for people, or JSON with --json for scripts.
import type { LedgerEntry } from '../dynamodb.ts';
import { type BrokerData, type FaultRecord, type Message, type QueueData, sameRoute, type TopicRouteData } from '../index.ts';
import { type CliContext, NotFoundError, UsageError } from './context.ts';
import { duration, iso, table } from './format.ts';

export interface Command {
  summary: string;
  usage: string;
  /** Options of this command, for parseArgs (the global ones are added). */
  options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>;
  run(context: CliContext, args: string[], values: Record<string, unknown>, stdin: () => Promise<string>): Promise<void>;
}

const perm = (p: number) => `${p & 4 ? 'R' : '-'}${p & 2 ? 'W' : '-'}`;

/** One cell per broker: master address, read/write queues, permission. */
function brokerCells(route: TopicRouteData | null | undefined): Map<string, string> {
  const cells = new Map<string, string>();
  if (!route) return cells;
  const queues = new Map<string, QueueData>(route.queueDatas.map((q) => [q.brokerName, q]));
  for (const broker of route.brokerDatas as BrokerData[]) {
    const q = queues.get(broker.brokerName);
    cells.set(broker.brokerName, `${broker.brokerAddrs['0'] ?? '(no master)'} ${q ? `${q.readQueueNums}r/${q.writeQueueNums}w ${perm(q.perm)}` : 'no queues'}`);
  }
  return cells;
}

const routes: Command = {
  summary: 'the route of a topic as the name servers give it and as the table caches it',
  usage: 'routes <topic>',
  options: {},
  async run(context, [topic]) {
    if (!topic) throw new UsageError('which topic? routes <topic>');
    const producer = await context.started();
    const live = await producer.lookupRoute(topic);
    const cached = context.hasTable ? (await context.sharedState().load()).routes.find((r) => r.topic === topic) : undefined;
    if (!live && !cached) throw new NotFoundError(`no route for ${topic}: the name servers do not know it${context.hasTable ? ' and the table has none' : ''}`);
    const same = live && cached ? sameRoute(live, cached.route) : false;
    if (context.json) {
      context.out(JSON.stringify({ topic, nameServer: live, table: cached ? { route: cached.route, fetchedAt: cached.fetchedAt } : null, same }, null, 2));
      return;
    }
    const [fromNs, fromTable] = [brokerCells(live), brokerCells(cached?.route)];
    const brokers = [...new Set([...fromNs.keys(), ...fromTable.keys()])].sort();
    const tableHeader = context.hasTable
      ? cached
        ? `table (fetched ${duration(Date.now() - cached.fetchedAt)} ago)`
        : 'table (none)'
      : 'table (no STATE_TABLE)';
    context.out(
      table(
        ['broker', 'name server', tableHeader],
        brokers.map((b) => [b, fromNs.get(b) ?? '-', fromTable.get(b) ?? '-']),
      ),
    );
    if (live && cached)
      context.out(same ? '\nthe table holds what the name servers say' : '\nthe table differs from the name servers (the route refresh will replace it)');
  },
};

function faultRow(record: FaultRecord, now: number): string[] {
  const isolated = record.isolatedUntil > now;
  return [
    record.brokerName,
    isolated ? `isolated, ${duration(record.isolatedUntil - now)} left` : 'available',
    iso(record.isolatedUntil),
    String(record.latencyMs),
    record.writtenBy ?? '-',
    iso(record.updatedAt),
  ];
}

const isolation: Command = {
  summary: 'the brokers the deployment avoids, from the shared table; "isolation lift <broker>" ends one',
  usage: 'isolation [lift <broker>]',
  options: {},
  async run(context, args) {
    const state = context.sharedState();
    const now = Date.now();
    if (args[0] === 'lift') {
      const broker = args[1];
      if (!broker) throw new UsageError('which broker? isolation lift <broker>');
      const outcome = await state.recordRecovery(broker, Number.MAX_SAFE_INTEGER, now);
      if (!outcome.written) throw new NotFoundError(`${broker} is not isolated`);
      context.out(context.json ? JSON.stringify({ broker, lifted: true }) : `lifted the isolation of ${broker}; containers drop it at their next refresh`);
      return;
    }
    if (args.length > 0) throw new UsageError(`unknown argument ${args[0]}: isolation [lift <broker>]`);
    const records = (await state.loadFaults()).sort((a, b) => a.brokerName.localeCompare(b.brokerName));
    if (context.json) {
      context.out(
        JSON.stringify(
          records.map((r) => ({ ...r, isolated: r.isolatedUntil > now })),
          null,
          2,
        ),
      );
      return;
    }
    if (records.length === 0) {
      context.out('no broker has been isolated');
      return;
    }
    context.out(
      table(
        ['broker', 'state', 'isolated until', 'latency ms', 'written by', 'updated'],
        records.map((r) => faultRow(r, now)),
      ),
    );
  },
};

const send: Command = {
  summary: 'send one message and print its SendResult (body from the argument or stdin)',
  usage: 'send <topic> [body] [--tags t] [--keys k1,k2] [--property name=value ...] [--sharding-key k] [--delay-seconds n] [--priority n] [--lite-topic l]',
  options: {
    tags: { type: 'string' },
    keys: { type: 'string' },
    property: { type: 'string', multiple: true },
    'sharding-key': { type: 'string' },
    'delay-seconds': { type: 'string' },
    priority: { type: 'string' },
    'lite-topic': { type: 'string' },
  },
  async run(context, [topic, body], values, stdin) {
    if (!topic) throw new UsageError('which topic? send <topic> [body]');
    const text = body ?? (await stdin());
    if (!text) throw new UsageError('no body: give it as an argument or on stdin');
    const properties: Record<string, string> = {};
    for (const pair of (values.property as string[] | undefined) ?? []) {
      const at = pair.indexOf('=');
      if (at <= 0) throw new UsageError(`--property ${pair}: expected name=value`);
      properties[pair.slice(0, at)] = pair.slice(at + 1);
    }
    const message: Message = { topic, body: text };
    if (values.tags !== undefined) message.tags = values.tags as string;
    if (values.keys !== undefined) message.keys = (values.keys as string).split(',').filter(Boolean);
    if (values['sharding-key'] !== undefined) message.shardingKey = values['sharding-key'] as string;
    if (values['delay-seconds'] !== undefined) message.delaySeconds = whole('--delay-seconds', values['delay-seconds'] as string);
    if (values.priority !== undefined) message.priority = whole('--priority', values.priority as string);
    if (values['lite-topic'] !== undefined) message.liteTopic = values['lite-topic'] as string;
    if (Object.keys(properties).length > 0) message.properties = properties;
    const result = await (await context.started()).send(message);
    if (context.json) {
      context.out(JSON.stringify(result, null, 2));
      return;
    }
    context.out(
      table(
        ['status', 'msgId', 'queue', 'offset', 'offsetMsgId'],
        [[result.status, result.msgId, `${result.queue.brokerName}/${result.queue.queueId}`, String(result.queueOffset), result.offsetMsgId]],
      ),
    );
    if (result.recallHandle) context.out(`\nrecall it before it is due: rocketmq-lambda recall ${topic} ${result.recallHandle}`);
  },
};

/** A whole number given as an option's text; the producer checks its range. */
function whole(option: string, text: string): number {
  if (!/^-?\d{1,16}$/.test(text.trim())) throw new UsageError(`${option} ${text}: expected a whole number`);
  return Number(text);
}

const recall: Command = {
  summary: 'take back a timer message before it is due, by the recall handle its send printed (RocketMQ 5.3.2+)',
  usage: 'recall <topic> <recallHandle>',
  options: {},
  async run(context, [topic, handle]) {
    if (!topic || !handle) throw new UsageError('which message? recall <topic> <recallHandle>');
    const result = await (await context.started()).recall(topic, handle);
    context.out(context.json ? JSON.stringify(result, null, 2) : `recalled ${result.msgId} from ${topic}`);
  },
};

function transactionRow(entry: LedgerEntry, now: number): string[] {
  return [
    entry.half.transactionId,
    entry.half.topic,
    entry.state,
    duration(now - entry.createdAt),
    entry.dueAt > now ? `in ${duration(entry.dueAt - now)}` : `${duration(now - entry.dueAt)} ago`,
    entry.onTimeout,
    entry.leaseUntil > now ? (entry.leaseOwner ?? '-') : '-',
  ];
}

const transactions: Command = {
  summary: 'the transactions not yet ended, from the ledger in the table',
  usage: 'transactions',
  options: {},
  async run(context) {
    const now = Date.now();
    const entries = (await context.ledger().pending()).sort((a, b) => a.createdAt - b.createdAt);
    if (context.json) {
      context.out(JSON.stringify(entries, null, 2));
      return;
    }
    if (entries.length === 0) {
      context.out('no transaction is pending');
      return;
    }
    context.out(
      table(
        ['transaction', 'topic', 'state', 'age', 'due', 'on timeout', 'lease held by'],
        entries.map((e) => transactionRow(e, now)),
      ),
    );
  },
};

export const COMMANDS: Record<string, Command> = { routes, isolation, send, recall, transactions };
