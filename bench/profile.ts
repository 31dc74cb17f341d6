// Where the time of a piece of work goes: a CPU profile taken in-process (node:inspector, the
// same sampler as --cpu-prof), self time grouped into the parts a reader can act on.
import { Session } from 'node:inspector/promises';

export interface ProfileShare {
  part: string;
  percent: number;
}

/** A part, and whether a frame (its source URL, its function name) belongs to it. */
export type Part = [string, (url: string, name: string) => boolean];

const PARTS: Part[] = [
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

export interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

export interface ProfileOptions {
  /** The parts to group into, first match wins; default: the parts of the bridge's profile. */
  parts?: Part[];
  /** The source URL of a frame, for bundled code (its source map); default: the frame's own URL. */
  source?: (frame: CallFrame) => string;
  /** A frame of Node's own (node:...) that no part claims counts for its caller too, as a builtin does. */
  throughNode?: boolean;
}

export async function profile(work: () => Promise<void>, options: ProfileOptions = {}): Promise<ProfileShare[]> {
  const parts = options.parts ?? PARTS;
  const source = options.source ?? ((frame: CallFrame) => frame.url);
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
        const url = frame.url ? source(frame) : '';
        const part = parts.find(([, match]) => match(url, frame.functionName))?.[0];
        if (part || (url && !(options.throughNode && url.startsWith('node:')))) return part;
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
