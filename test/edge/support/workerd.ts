// A Worker in Cloudflare's own runtime: test/edge/programs/worker.ts bundled by esbuild as
// wrangler does by default (ESM, esbuild's `browser` platform with the `workerd`, `worker` and
// `browser` conditions, so packages' browser builds are taken; `node:*` left to the runtime, as
// `nodejs_compat` provides it), served by `workerd serve` on a free loopback port. The config's
// network service allows `local` addresses, so the Worker's sockets reach the local stack on
// 127.0.0.1, which production Workers refuse.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { compatibilityDate } from '../../../infra/edge-runtimes.ts';

export interface WorkerOptions {
  /** The Worker's module; default test/edge/programs/worker.ts. */
  entry?: string;
  /** Default: the date the pinned workerd implements. */
  compatibilityDate?: string;
  compatibilityFlags?: string[];
  /** PEM certificates the network service trusts besides the system's (a Worker's TLS trusts no other). */
  trustedCertificates?: string[];
  /** Text bindings, the Worker's `env`: what `[vars]` and `wrangler secret put` give a deployed one. */
  bindings?: Record<string, string>;
}

export interface ServedWorker {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  bundleBytes: number;
  /** The workerd process (bench/edge.ts reads its CPU time). */
  pid: number;
  /** From spawning workerd to its socket listening: the runtime's start and the Worker's module evaluated. */
  listenMs: number;
  /** What workerd wrote to stdout and stderr so far. */
  output: () => string;
  close: () => Promise<void>;
}

const ENTRY = join(import.meta.dirname, '..', 'programs', 'worker.ts');

/**
 * The Worker as one ES module, what `wrangler deploy` would upload (`cloudflare:*` modules left to
 * the runtime, as wrangler does; `minify` as `wrangler deploy --minify`). The browser platform
 * matters: on the node platform the AWS SDK's CommonJS build is taken, whose require("node:crypto")
 * an ES module bundle cannot run ("Dynamic require of node:crypto is not supported" in workerd).
 */
export async function bundleWorker(outfile: string, entry = ENTRY, options: { minify?: boolean } = {}): Promise<number> {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['workerd', 'worker', 'browser'],
    external: ['node:*', 'cloudflare:*'],
    minify: options.minify ?? false,
    logLevel: 'warning',
  });
  return readFileSync(outfile).byteLength;
}

export function workerdConfig(options: WorkerOptions = {}): string {
  const flags = (options.compatibilityFlags ?? []).map((flag) => JSON.stringify(flag)).join(', ');
  const bindings = Object.entries(options.bindings ?? {})
    .map(([name, text]) => `(name = ${JSON.stringify(name)}, text = ${JSON.stringify(text)})`)
    .join(', ');
  const trusted = (options.trustedCertificates ?? []).map((pem) => JSON.stringify(pem)).join(', ');
  const tls = trusted ? `, tlsOptions = (trustedCertificates = [${trusted}])` : '';
  return `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    # Sockets and fetch() of the Worker go out through this service; "local" lets them reach loopback.
    (name = "internet", network = (allow = ["public", "local"]${tls})),
  ],
  sockets = [ (name = "http", address = "127.0.0.1:0", http = (), service = "main") ],
);

const worker :Workerd.Worker = (
  modules = [ (name = "worker.js", esModule = embed "worker.js") ],
  compatibilityDate = "${options.compatibilityDate ?? compatibilityDate()}",
  compatibilityFlags = [${flags}],
  bindings = [${bindings}],
  globalOutbound = "internet",
);
`;
}

/** Bundles the Worker and serves it with `workerd` (the binary at `binary`) until close(). */
export async function serveWorker(binary: string, options: WorkerOptions = {}): Promise<ServedWorker> {
  const dir = mkdtempSync(join(tmpdir(), 'edge-workerd-'));
  await bundleWorker(join(dir, 'worker.js'), options.entry);
  return serveBundle(binary, dir, options);
}

/**
 * Serves the bundle `dir/worker.js` with `workerd` until close(), which removes `dir`: a bundle
 * made once can be served by many fresh workerd processes (bench/edge.ts, one per cold start).
 */
export async function serveBundle(binary: string, dir: string, options: WorkerOptions = {}): Promise<ServedWorker> {
  const bundleBytes = readFileSync(join(dir, 'worker.js')).byteLength;
  writeFileSync(join(dir, 'config.capnp'), workerdConfig(options));
  const spawned = performance.now();
  // --control-fd: workerd reports the port it bound for the socket as a JSON line on fd 3.
  const child = spawn(binary, ['serve', 'config.capnp', '--control-fd=3'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((settle) => child.once('exit', () => settle()));
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const port = await new Promise<number>((settle, fail) => {
      let control = '';
      child.stdio[3]!.on('data', (chunk: Buffer) => {
        control += chunk.toString();
        const listen = /"event":"listen","socket":"http","port":(\d+)/.exec(control);
        if (listen) settle(Number(listen[1]));
      });
      child.once('exit', (code, signal) => fail(new Error(`workerd exited (${code ?? signal}) before listening:\n${output}`)));
      child.once('error', fail);
    });
    return { url: `http://127.0.0.1:${port}`, bundleBytes, pid: child.pid!, listenMs: performance.now() - spawned, output: () => output, close };
  } catch (err) {
    await close();
    throw err;
  }
}
