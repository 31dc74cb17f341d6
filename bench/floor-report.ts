// The floor part of BENCHMARKS.md: CPU per message of ours, the Java producer and ali-ons against
// a raw client (bench/floor-load.ts) in the same rounds, and the plot of it.
import { barChart } from './svg.ts';
import type { ProfileShare } from './profile.ts';
import type { ShapeResult } from './throughput.ts';
import { cpuUs, fmt, type LoadResult, median, showSpread, spread } from './util.ts';

/** The goal of the issue: ours within this much of the floor's CPU per message at 64 in flight, 1 KiB. */
export const FLOOR_GOAL = 2;

/** Per shape the floor ran: CPU per message of each client and its ratio to the floor, per round. */
export function floorRows(shapes: ShapeResult[]) {
  return shapes
    .filter((t) => t.rounds.every((r) => r.floor))
    .map((t) => {
      const over = (pick: (r: ShapeResult['rounds'][number]) => LoadResult) => spread(t.rounds.map((r) => cpuUs(pick(r)) / cpuUs(r.floor!)));
      return {
        t,
        floor: median(t.rounds.map((r) => cpuUs(r.floor!))),
        ours: median(t.rounds.map((r) => cpuUs(r.ours))),
        java: median(t.rounds.map((r) => cpuUs(r.java))),
        ons: t.ons ? median(t.rounds.map((r) => cpuUs(r.ons!))) : undefined,
        oursOver: over((r) => r.ours),
        javaOver: over((r) => r.java),
        onsOver: t.ons ? over((r) => r.ons!) : undefined,
        floorRate: median(t.rounds.map((r) => (r.floor!.sent / r.floor!.elapsedMs) * 1000)),
      };
    });
}

/** The target row: the worst median ratio at 64 in flight. */
export function floorTarget(shapes: ShapeResult[]): string {
  const at64 = floorRows(shapes).filter((row) => row.t.inflight === 64);
  if (at64.length === 0) return '| CPU per message within 2x of the raw-socket floor, 1 KiB, 64 in flight | not measured in this run |';
  const worst = Math.max(...at64.map((row) => row.oursOver.median));
  const shown = at64.map((row) => `${row.t.mode} ${fmt(row.oursOver.median, 2)}x (${fmt(row.ours, 1)} µs against ${fmt(row.floor, 1)})`).join(', ');
  return `| CPU per message within ${FLOOR_GOAL}x of the raw-socket floor, 1 KiB, 64 in flight | ${worst <= FLOOR_GOAL ? 'met' : '**missed**'}: ${shown} |`;
}

/** bench/send-profile.ts's answer: sends profiled, and where their CPU went. */
export interface SendProfile {
  sent: number;
  parts: ProfileShare[];
}

export function floorSection(shapes: ShapeResult[], sendProfile?: SendProfile): string {
  const rows = floorRows(shapes);
  if (rows.length === 0) return '';
  const busy = sendProfile ? 100 - (sendProfile.parts.find((p) => p.part === 'waiting (idle)')?.percent ?? 0) : 0;
  const profileTable = sendProfile
    ? `
Where ours spends it at 64 in flight, 1 KiB, sync: a CPU profile of ${sendProfile.sent.toLocaleString('en-US')} sends (\`bench/send-profile.ts\`,
in-process sampling; a builtin counts for the code that called it), as shares of the busy time:

| part | share of busy CPU |
| --- | --- |
${sendProfile.parts
  .filter((p) => p.part !== 'waiting (idle)')
  .map((p) => `| ${p.part} | ${fmt((100 * p.percent) / busy, 1)}% |`)
  .join('\n')}
`
    : '';
  const table = rows.map(
    (row) =>
      `| ${row.t.size} B | ${row.t.inflight} | ${row.t.mode} | ${fmt(row.floor, 1)} | ${fmt(row.ours, 1)} | ${showSpread(row.oursOver)} | ${fmt(row.java, 0)} (${fmt(row.javaOver.median, 1)}x) | ${row.ons === undefined ? '' : `${fmt(row.ons, 0)} (${fmt(row.onsOver!.median, 1)}x)`} | ${fmt(row.floorRate, 0)} |`,
  );
  return `## Against the floor: CPU per message

On this machine the brokers share the cores with the client, so throughput stops at the brokers;
what shows a client's own cost is the CPU it spends per message (user + system, the whole process,
in the measured window). The floor is a raw client in the same rounds (\`bench/floor-load.ts\`): one
socket per broker, SEND_MESSAGE_V2 frames (binary header) encoded before the window, the same
number in flight pipelined, each response read only as far as its opaque and code, the frames of
one read written together. It pays for Node's sockets and event loop and nothing else: no checks,
ids, queue choice, timers, promises or retries. Its sync and async rows are the same client (it has
no modes); the ratio is per round, ours and the floor measured in the same round.

| size | in flight | mode | floor µs/msg | ours µs/msg | ours/floor, median (spread) | Java µs/msg (over floor) | ali-ons µs/msg (over floor) | floor msg/s |
| --- | --- | --- | --- | --- | --- | --- | --- | --- |
${table.join('\n')}

Plot: [CPU per message against sends in flight](bench/plots/cpu-floor.svg).

Async sends cost about a tenth more than sync ones until they were counted rather than tracked:
\`flush()\` waited on each async send's promise through a Set entry and a closure of its own; the
send loop now says when it is done (alternating runs, 64 in flight: 19.3 µs per message, then
18.2-18.4, sync's 18.0-18.3; the no-op catch an async send still gets costs nothing measurable).
${profileTable}`;
}

/** CPU per message of ours, the floor, Java and ali-ons per shape the floor ran, in one picture. */
export function floorPlot(shapes: ShapeResult[]): string | undefined {
  const rows = floorRows(shapes);
  if (rows.length === 0) return undefined;
  return `${barChart(
    'CPU per message against sends in flight, 1 KiB (median of rounds, log scale)',
    rows.map((row) => `${row.t.inflight} ${row.t.mode}`),
    [
      { name: 'floor', color: '#888888', values: rows.map((row) => row.floor) },
      { name: 'ours', color: '#2b7bb9', values: rows.map((row) => row.ours) },
      { name: 'Java', color: '#e08a2c', values: rows.map((row) => row.java) },
      { name: 'ali-ons', color: '#7a9a3a', values: rows.map((row) => row.ons ?? 0) },
    ],
    'µs/msg',
  )}\n`;
}
