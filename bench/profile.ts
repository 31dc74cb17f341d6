// Where the time of a piece of work goes: a CPU profile taken in-process (node:inspector, the
// same sampler as --cpu-prof), self time grouped into the parts a reader can act on.
import { Session } from 'node:inspector/promises';

export interface ProfileShare {
  part: string;
  percent: number;
}

const PARTS: [string, (url: string, name: string) => boolean][] = [
  ['waiting for the broker (idle)', (_u, n) => n === '(idle)'],
  ['garbage collection', (_u, n) => n === '(garbage collector)'],
  ['Lambda adapter and Powertools (logger, metrics)', (u) => u.includes('/lib/lambda/') || u.includes('@aws-lambda-powertools')],
  ['SQS bridge (record checks, grouping)', (u) => u.includes('/functions/sqs-bridge/')],
  ['producer (checks, encoding, send loop)', (u) => /\/lib\/(producer|message|protocol|route|state|trace)\//.test(u)],
  ['remoting framing', (u) => u.includes('/lib/remoting/')],
  [
    'Node sockets and streams',
    (u, n) => /node:(net|internal\/stream|internal\/streams|stream)/.test(u) || n === 'writeBuffer' || n === 'writev' || n === 'writeUtf8String',
  ],
];

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

export async function profile(work: () => Promise<void>): Promise<ProfileShare[]> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    await session.post('Profiler.start');
    await work();
    const { profile: p } = (await session.post('Profiler.stop')) as unknown as {
      profile: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
    };
    const nodes = new Map(p.nodes.map((n) => [n.id, n]));
    const parents = new Map<number, number>();
    for (const n of p.nodes) for (const child of n.children ?? []) parents.set(child, n.id);
    const partOf = (id: number): string | undefined => {
      // A builtin (JSON.parse, a Buffer copy: no URL) counts for the code that called it.
      for (let at: number | undefined = id; at !== undefined; at = parents.get(at)) {
        const frame = nodes.get(at)!.callFrame;
        const part = PARTS.find(([, match]) => match(frame.url, frame.functionName))?.[0];
        if (part || frame.url) return part;
      }
      return undefined;
    };
    const time = new Map<string, number>();
    let total = 0;
    p.samples.forEach((id, i) => {
      // The inspector's own work (stopping the profiler, building the profile) is not the code's.
      const own = nodes.get(id)!.callFrame;
      if (own.functionName === 'dispatch' && own.url === '') return;
      const part = partOf(id) ?? 'other (microtasks, timers, Node internals)';
      const dt = p.timeDeltas[i] ?? 0;
      time.set(part, (time.get(part) ?? 0) + dt);
      total += dt;
    });
    return [...time].map(([part, t]) => ({ part, percent: (100 * t) / total })).sort((a, b) => b.percent - a.percent);
  } finally {
    session.disconnect();
  }
}
