// The "Edge runtimes" section of BENCHMARKS.md, from one run of bench/edge.ts.
import { type EdgeResult, type LoadClient, type LoadFigure, type TransportShape, WARM_SENDS, WORKERS_LIMITS } from './edge.ts';
import { fmt, median, showSpread, type Spread, spread } from './util.ts';
const ms = (values: number[], digits = 1) => {
  const s = spread(values);
  return `${fmt(s.median, digits)} (${fmt(s.min, digits)}-${fmt(s.max, digits)})`;
};
const kib = (bytes: number) => `${fmt(bytes / 1024, 0)} KiB`;
const tps = (f: LoadFigure) => (f.sent / f.elapsedMs) * 1000;
const perMessageUs = (cpuMs: number | null, f: LoadFigure) => (cpuMs === null ? Number.NaN : (cpuMs * 1000) / Math.max(1, f.sent));

function clientLabel(client: LoadClient, r: EdgeResult): string {
  return {
    node: `Node ${r.versions.node}, one producer`,
    deno: `Deno ${r.versions.deno}, one producer`,
    bun: `Bun ${r.versions.bun}, one producer`,
    workerd: 'workerd, one producer inside one request',
    nodePerRequest: 'Node, a producer per send (`withEdgeProducer`)',
    workerdRequests: 'workerd, the edge publish Worker: a request and a producer per send',
  }[client];
}

/** Per-round ratio of two clients' figures, median and spread. */
function ratio(r: EdgeResult, inflight: number, pick: (f: LoadFigure) => number, a: LoadClient, b: LoadClient): Spread {
  const shape = r.load.find((s) => s.inflight === inflight)!;
  return spread(shape.rounds.map((round) => pick(round[a]) / pick(round[b])));
}

function loadRows(r: EdgeResult): string[] {
  const clients: LoadClient[] = ['node', 'deno', 'bun', 'workerd', 'nodePerRequest', 'workerdRequests'];
  return r.load.flatMap((shape) =>
    clients.map((client) => {
      const of = (pick: (f: LoadFigure) => number) => median(shape.rounds.map((round) => pick(round[client])));
      const vsNode = client === 'node' ? '1' : showSpread(ratio(r, shape.inflight, tps, client, 'node'));
      const failed = shape.rounds.reduce((n, round) => n + round[client].failed, 0);
      return `| ${clientLabel(client, r)} | ${shape.inflight} | ${fmt(of(tps), 0)} | ${vsNode} | ${fmt(
        of((f) => perMessageUs(f.cpuMs, f)),
        0,
      )} | ${fmt(
        of((f) => perMessageUs(f.brokerCpuMs, f)),
        0,
      )} |${failed ? ` ${failed} failed` : ''}`;
    }),
  );
}

const TRANSPORT_SHAPES: Record<TransportShape, (n: number) => string> = {
  sequential: (n) => `${n.toLocaleString('en-US')} round trips on one socket, one at a time`,
  pipelined: (n) => `${n.toLocaleString('en-US')} round trips on one socket, 16 at once`,
  connects: (n) => `${n} sockets one after another: connect, one round trip, close`,
};

/** Per measure (wall time, CPU), which transport is lower by more than a tenth in every round, shape by shape. */
function transportVerdict(r: EdgeResult): string {
  const shapes = ['sequential', 'pipelined', 'connects'] as const;
  const names: Record<TransportShape, string> = { sequential: 'round trips one at a time', pipelined: '16 at once', connects: 'a socket per round trip' };
  const ratios = (shape: TransportShape, pick: 'ms' | 'cpuMs') =>
    r.transport.map((round) => round.sockets[shape][pick] / Math.max(1e-9, round.net[shape][pick]));
  const sentence = (pick: 'ms' | 'cpuMs') => {
    const side = (shape: TransportShape) => {
      const x = ratios(shape, pick);
      return x.every((v) => v < 0.9) ? 'sockets' : x.every((v) => v > 1 / 0.9) ? 'net' : 'even';
    };
    const list = (which: string) =>
      shapes
        .filter((shape) => side(shape) === which)
        .map((shape) => names[shape])
        .join(', ');
    const parts = [
      list('sockets') && `\`connect()\` is lower for ${list('sockets')}`,
      list('net') && `\`node:net\` is lower for ${list('net')}`,
      list('even') && `neither is lower by a tenth in every round for ${list('even')}`,
    ].filter(Boolean);
    return `${pick === 'ms' ? 'Wall time' : 'CPU'}: ${parts.join('; ')}.`;
  };
  const all = (pick: 'ms' | 'cpuMs') => shapes.flatMap((shape) => ratios(shape, pick));
  const medians = (pick: 'ms' | 'cpuMs') => shapes.map((shape) => median(ratios(shape, pick)));
  const range = (pick: 'ms' | 'cpuMs') => `${fmt(Math.min(...medians(pick)), 2)}-${fmt(Math.max(...medians(pick)), 2)}`;
  const never = (pick: 'ms' | 'cpuMs') => (Math.max(...all(pick)) <= 1 ? ` (more in no round of any shape)` : '');
  return `${sentence('ms')} ${sentence('cpuMs')} By shape, the medians: \`connect()\` takes ${range('ms')} of
\`node:net\`'s wall time${never('ms')} and ${range('cpuMs')} of its CPU${never('cpuMs')}. On both transports the frames written in one tick leave in one write,
as the producer writes them, so the difference is the socket layer: workerd's \`node:net\` is a
Node stream over the same socket API that \`connect()\` hands out. The producer uses \`node:net\`;
why, in [docs/edge.md](docs/edge.md#transport-nodenet-or-cloudflaresockets).`;
}

export function edgeSection(r: EdgeResult): string {
  const free = (bytes: number) => `${fmt((100 * bytes) / WORKERS_LIMITS.freeGzipBytes, 1)}%`;
  const paid = (bytes: number) => `${fmt((100 * bytes) / WORKERS_LIMITS.paidGzipBytes, 1)}%`;
  const bundleRows = r.bundles.map(
    (b) =>
      `| ${b.name === 'edge-publish' ? 'the edge publish Worker (`functions/edge-publish`)' : 'a minimal Worker: `withEdgeProducer` and one send (`bench/edge/minimal-worker.ts`)'} | ${kib(b.bytes)} | ${kib(b.gzipBytes)} | ${kib(b.minifiedBytes)} / ${kib(b.minifiedGzipBytes)} | ${free(b.gzipBytes)} | ${paid(b.gzipBytes)} |`,
  );
  const largest = Math.max(...r.bundles.map((b) => b.gzipBytes));

  const cold = r.workerdCold;
  const runtimes = ['node', 'deno', 'bun'] as const;
  const processRows = runtimes.map((rt) => {
    const rounds = r.processCold[rt];
    const name = { node: `Node ${r.versions.node}`, deno: `Deno ${r.versions.deno}`, bun: `Bun ${r.versions.bun}` }[rt];
    return `| ${name} | ${ms(
      rounds.map((x) => x.loadedMs),
      0,
    )} | ${ms(rounds.map((x) => x.firstSendMs))} | ${ms(
      rounds.map((x) => x.warmMs),
      2,
    )} | ${ms(
      rounds.map((x) => x.perRequestMs),
      2,
    )} |`;
  });
  const warmNode = median(r.processCold.node.map((x) => x.warmMs));
  const perCallNode = median(r.processCold.node.map((x) => x.perRequestMs));
  const warmWorkerd = median(cold.map((x) => x.warmMs));

  const figure = (kind: 'net' | 'sockets', shape: TransportShape, pick: 'ms' | 'cpuMs') =>
    median(r.transport.map((round) => (round[kind][shape][pick] * 1000) / r.transportCounts[shape]));
  const transportRatio = (shape: TransportShape, pick: 'ms' | 'cpuMs') =>
    spread(r.transport.map((round) => round.sockets[shape][pick] / Math.max(1e-9, round.net[shape][pick])));
  const transportRows = (['sequential', 'pipelined', 'connects'] as const).map(
    (shape) =>
      `| ${TRANSPORT_SHAPES[shape](r.transportCounts[shape])} | ${fmt(figure('net', shape, 'ms'), 0)} / ${fmt(figure('net', shape, 'cpuMs'), 0)} | ${fmt(figure('sockets', shape, 'ms'), 0)} / ${fmt(figure('sockets', shape, 'cpuMs'), 0)} | ${showSpread(transportRatio(shape, 'ms'))} | ${showSpread(transportRatio(shape, 'cpuMs'))} |`,
  );
  const perRequestBroker = ratio(r, 64, (f) => perMessageUs(f.brokerCpuMs, f), 'nodePerRequest', 'node').median;
  const inRequest = ratio(r, 64, tps, 'workerd', 'node').median;
  const inRequest16 = ratio(r, 16, tps, 'workerd', 'node').median;
  const perSendNode = ratio(r, 64, tps, 'nodePerRequest', 'node').median;
  const perSendWorker = ratio(r, 64, tps, 'workerdRequests', 'nodePerRequest').median;

  return `
## Edge runtimes

The producer in Cloudflare's workerd ${r.versions.workerd} (compatibility date ${r.compatibilityDate}, \`nodejs_compat\`),
Deno ${r.versions.deno} and Bun ${r.versions.bun}, each fetched by \`infra/edge-runtimes.ts\`, against Node ${r.versions.node} in the
same run and on the same brokers (\`npm run bench -- --edge\` measures only this, in about ${Math.ceil(r.seconds / 60)} minutes:
${fmt(r.seconds, 0)} s this time). Node, Deno and Bun run one esbuild bundle of \`bench/edge/long-lived.ts\`, so none
compiles TypeScript; workerd serves the Workers bundled as wrangler bundles them. Figures are medians
over ${r.timing.coldRounds} fresh processes (start and first send) or ${r.timing.rounds} rounds (${r.timing.warmupMs / 1000} s warm-up and
${r.timing.measureMs / 1000} s measured per client, each round in another order), with the spread (lowest-highest) in
brackets. The brokers run on the same ${r.cpus} cores${r.loadAverage ? `, and so did others' work (load average ${fmt(r.loadAverage[0], 1)} at the start, ${fmt(r.loadAverage[1], 1)} at the end)` : ''}: read the ratios.

### Bundle size against the Workers limits

Bundled as wrangler uploads a Worker (esbuild, ESM, \`node:*\` and \`cloudflare:*\` left to the
runtime, the \`workerd\` and \`worker\` export conditions), gzip-compressed as wrangler measures it.
Workers allow ${fmt(WORKERS_LIMITS.freeGzipBytes / 1048576, 0)} MiB compressed on the free plan and ${fmt(WORKERS_LIMITS.paidGzipBytes / 1048576, 0)} MiB on a paid one.

| Worker | bundle | gzip | minified / gzip (\`wrangler deploy --minify\`) | of 3 MiB (free) | of 10 MiB (paid) |
| --- | --- | --- | --- | --- | --- |
${bundleRows.join('\n')}

The largest uses ${free(largest)} of the free plan's limit: size is no reason to hold back.

### First send and warm sends

Node, Deno and Bun: a fresh process with one long-lived producer (start to its code running; then
\`start()\` and the first send, its route from the name server; then ${WARM_SENDS} warm sends of the same
producer), and after those ${WARM_SENDS} calls of \`withEdgeProducer\` in the same process, a producer made,
started and shut down per call as a Worker does per request. workerd: a freshly started workerd
serving the edge publish Worker (its start: the runtime and the Worker's module evaluated, until it
listens), its first request (a cold isolate: the route from the name server, the broker connected,
the send, every socket closed before the answer), then ${WARM_SENDS} more; each request makes its producer,
with the route from the isolate's memory. The workerd figures are a 1 KiB message's HTTP request
to the Worker on loopback, answered with its SendResult; the others are calls in the process.

| runtime | start, ms | first SendResult after it, ms | warm send, one producer, ms | warm send, a producer per call, ms |
| --- | --- | --- | --- | --- |
${processRows.join('\n')}
| workerd, edge publish Worker | ${ms(
    cold.map((x) => x.listenMs),
    0,
  )} | ${ms(cold.map((x) => x.firstMs))} | no socket outlives a request | ${ms(
    cold.map((x) => x.warmMs),
    2,
  )} (second request: ${fmt(median(cold.map((x) => x.secondMs)), 1)}) |

A warm Worker request took ${fmt(warmWorkerd, 1)} ms, ${fmt(warmWorkerd / warmNode, 0)} times a warm send of one long-lived Node producer. A
producer per call costs Node ${fmt(perCallNode, 1)} ms (${fmt(perCallNode / warmNode, 1)} times a warm send): a connection to the broker, a
heartbeat beside the send, UNREGISTER_CLIENT and the close at shutdown. The rest of the Worker's
figure is the HTTP request to it, the publish function around the send (token check, JSON, a log
line) and workerd itself.

### Sends per second from one process or isolate, 1 KiB

Sends in flight are concurrent awaited sends of one producer (\`bench/harness.ts\`), or, for the
edge publish Worker, concurrent HTTP requests from the bench to one workerd. CPU is the process's
(for workerd, the workerd process's, from /proc) and the two brokers' over the measured window, per
message.

| client | in flight | msg/s | vs Node in the same round, median (spread) | client CPU µs/msg | brokers' CPU µs/msg |
| --- | --- | --- | --- | --- | --- |
${loadRows(r).join('\n')}

One producer inside one workerd request sends ${fmt(inRequest, 2)} times what Node's does at 64 in flight (${fmt(inRequest16, 2)} at
16). A producer per send is slower by far in any runtime: at 64 in flight Node with \`withEdgeProducer\`
sends ${fmt(perSendNode, 2)} times what its one producer does, and the edge publish Worker ${fmt(perSendWorker, 2)} times what Node's
producer per send does; per message the brokers spend ${fmt(perRequestBroker, 0)} times the CPU of one long-lived
producer (every message brings a connection accepted and closed, and a client registered by a
heartbeat and unregistered). A Worker with several messages in one request sends them on its one
producer (\`sendBatch\`, or several sends).

### Transport inside workerd: \`node:net\` against \`cloudflare:sockets\`

The same pre-encoded SEND_MESSAGE_V2 request (1 KiB body, to broker-a) written by the bench Worker
(\`bench/edge/worker.ts\`) over \`node:net\` (what the producer uses) and over \`connect()\` from
\`cloudflare:sockets\`, the responses counted by the same framing code; wall time of the request and
workerd's CPU, per round trip (or per socket).

| | node:net: wall µs / CPU µs | connect(): wall µs / CPU µs | connect() / node:net, wall | connect() / node:net, CPU |
| --- | --- | --- | --- | --- |
${transportRows.join('\n')}

${transportVerdict(r)}
`;
}
