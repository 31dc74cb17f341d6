// The package as a user gets it: `npm pack`, installed into a fresh project, a handler written
// against "rocketmq-lambda", "rocketmq-lambda/lambda" and "rocketmq-lambda/dynamodb" type-checked
// under strict (library types included), bundled with esbuild, and run against the local broker.
// The TypeScript samples of README and of every page under docs/ are compiled the same way. The
// AWS SDK and Powertools are optional peers: a project of the core alone gets no other package and
// sends; one of "./lambda" installs only that entry's peers and sends from a handler. Dependencies
// come from npm's cache, filled by this checkout's own install.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { RemotingClient } from '../../lib/internal.ts';
import { viewByOffsetId } from '../support/read-back.ts';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');
const stack = inject('stack');
const work = mkdtempSync(join(tmpdir(), 'package-test-'));
const app = join(work, 'app');
/** A project that installs the package and nothing else: the core needs no other package. */
const coreApp = join(work, 'core-only');
/** A project with the package and only the peers "./lambda" needs without a state table. */
const lambdaApp = join(work, 'lambda-only');
const LAMBDA_PEERS = ['@aws-lambda-powertools/logger', '@aws-lambda-powertools/metrics', '@aws/lambda-invoke-store'];
/** Every optional peer: the project that bundles a handler using all three entries and secret references. */
const FULL_PEERS = Object.keys(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).peerDependencies as Record<string, string>).filter(
  (name) => !name.startsWith('@types/'),
);
const repoVersion = (name: string) => JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version as string;
const npm = (args: string[], cwd: string) =>
  run('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, timeout: 240_000, env: { ...process.env, npm_config_update_notifier: 'false' } });
const tsc = (project: string) =>
  run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project], { cwd: app, timeout: 120_000 }).catch((err) => {
    throw new Error(`tsc failed:\n${err.stdout}${err.stderr}`);
  });

const HANDLER = `
import { createProducer, RocketMQError, WorkScope, type Message, type MessageTraceOptions, type SendResult } from 'rocketmq-lambda';
import { rocketmqProducer, withProducer, type Invocation, type ProducerMiddleware } from 'rocketmq-lambda/lambda';
import { DynamoDbSharedState } from 'rocketmq-lambda/dynamodb';

// Types a user names in their own code, and a scope of work of their own.
export const traceOptions: MessageTraceOptions = { topic: 'RMQ_SYS_TRACE_TOPIC', timeoutMs: 500 };
export const middleware: ProducerMiddleware = rocketmqProducer();
export const scope: WorkScope = new WorkScope();

export const handler = withProducer(async (event: { body: string }, _context, rocketmq: Invocation): Promise<SendResult> => {
  const message: Message = { topic: 'TopicTest', body: event.body, tags: 'packaged' };
  return rocketmq.send(message);
});

export function withSharedState(nameServers: string, tableName: string) {
  return createProducer({ nameServers, producerGroup: 'packaged', sharedState: new DynamoDbSharedState({ tableName }) });
}

export async function main(nameServers: string): Promise<void> {
  const producer = createProducer({ nameServers, producerGroup: 'packaged' });
  await producer.start();
  try {
    const result = await producer.send({ topic: 'TopicTest', body: 'from the packed tarball', keys: ['packaged-1'] });
    process.stdout.write(JSON.stringify(result));
  } catch (err) {
    if (err instanceof RocketMQError) process.stderr.write(err.codeName);
    throw err;
  } finally {
    await producer.shutdown();
  }
}

if (process.argv[2]) await main(process.argv[2]);
`;

/** A program's printed SendResult: SEND_OK, and the broker holds `body` at its offset id. */
async function expectStored(stdout: string, body: string): Promise<void> {
  const result = JSON.parse(stdout) as { status: string; offsetMsgId: string };
  expect(result.status).toBe('SEND_OK');
  const reader = new RemotingClient();
  try {
    expect((await viewByOffsetId(reader, result.offsetMsgId)).body.toString()).toBe(body);
  } finally {
    reader.shutdown();
  }
}

const TSCONFIG = {
  compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: false, types: ['node'] },
};

beforeAll(async () => {
  // --json as tools read it: its stdout must be the JSON alone (the prepack build logs to stderr).
  const { stdout } = await npm(['pack', '--json', '--pack-destination', work], root);
  const [packed] = JSON.parse(stdout) as { filename: string }[];
  const tarball = packed!.filename;
  expect(readdirSync(work)).toContain(tarball);
  const project = (dir: string, peers: string[], devDependencies: Record<string, string> = {}) => {
    mkdirSync(dir);
    const dependencies = { 'rocketmq-lambda': `file:../${tarball}`, ...Object.fromEntries(peers.map((p) => [p, repoVersion(p)])) };
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ name: `packaged-${dir.split('/').pop()}`, private: true, type: 'module', dependencies, devDependencies }),
    );
    return npm(['install', '--prefer-offline'], dir);
  };
  const types = { '@types/node': repoVersion('@types/node'), '@types/aws-lambda': repoVersion('@types/aws-lambda') };
  // One at a time: parallel installs into one npm cache race on it.
  await project(app, FULL_PEERS, types);
  await project(coreApp, []);
  await project(lambdaApp, LAMBDA_PEERS);
}, 400_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the packed package', () => {
  it('holds the built library and its sources, and no tests, benchmarks or infrastructure', async () => {
    const installed = join(app, 'node_modules', 'rocketmq-lambda');
    const top = readdirSync(installed).sort();

    expect(top).toEqual(['BENCHMARKS.md', 'README.md', 'RELIABILITY.md', 'dist', 'docs', 'lib', 'package.json']);
    // README's links resolve where a user reads it, in node_modules: every page it links is there.
    const linked = [...readFileSync(join(installed, 'README.md'), 'utf8').matchAll(/\]\(((?:docs\/)?[\w-]+\.md)(?:#[^)]*)?\)/g)].map((m) => m[1]!);
    expect(linked.length).toBeGreaterThan(5);
    expect(linked.filter((page) => !existsSync(join(installed, page)))).toEqual([]);
    expect(readdirSync(join(installed, 'lib'))).not.toContain('internal.ts');
    expect(readdirSync(join(installed, 'dist', 'lib'))).toContain('index.d.ts');
  });

  it('type-checks a handler against the three entry points under strict, library types included', async () => {
    writeFileSync(join(app, 'handler.ts'), HANDLER);
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({ ...TSCONFIG, files: ['handler.ts'] }));

    await tsc('tsconfig.json');
  }, 180_000); // tsc over the installed package: seconds alone, more on a busy machine

  it('refuses, when type-checking, a call the public surface does not offer', async () => {
    writeFileSync(
      join(app, 'wrong.ts'),
      `import { createProducer } from 'rocketmq-lambda';\ncreateProducer({ nameServers: 'a:1', producerGroup: 'g' }).remoting.shutdown();\n`,
    );
    writeFileSync(join(app, 'tsconfig.wrong.json'), JSON.stringify({ ...TSCONFIG, files: ['wrong.ts'] }));

    await expect(tsc('tsconfig.wrong.json')).rejects.toThrow(/remoting/);
  }, 180_000); // tsc over the installed package: seconds alone, more on a busy machine

  it('bundles the handler with esbuild and sends to the local broker from the bundle', async () => {
    // ESM bundles meet the AWS SDK's CommonJS require() of Node built-ins: the usual banner.
    const banner = "--banner:js=import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";
    await run(
      join(root, 'node_modules', '.bin', 'esbuild'),
      ['handler.ts', '--bundle', '--platform=node', '--format=esm', '--target=node20', banner, '--outfile=out/handler.mjs'],
      { cwd: app },
    );

    const { stdout } = await run(process.execPath, [join(app, 'out', 'handler.mjs'), stack.nameServer], { cwd: app, timeout: 60_000 });

    await expectStored(stdout, 'from the packed tarball');
  });

  it('installs nothing but itself for the core, which sends to the local broker', async () => {
    writeFileSync(
      join(coreApp, 'send.mjs'),
      `import { createProducer } from 'rocketmq-lambda';
const producer = createProducer({ nameServers: process.argv[2], producerGroup: 'core-only' });
await producer.start();
try {
  process.stdout.write(JSON.stringify(await producer.send({ topic: 'TopicTest', body: 'core only', tags: 'core' })));
} finally {
  await producer.shutdown();
}
`,
    );

    const { stdout } = await run(process.execPath, ['send.mjs', stack.nameServer], { cwd: coreApp, timeout: 60_000 });

    expect(readdirSync(join(coreApp, 'node_modules')).filter((name) => !name.startsWith('.'))).toEqual(['rocketmq-lambda']);
    await expectStored(stdout, 'core only');
  });

  it('runs a "./lambda" handler with only its own peers installed (no AWS SDK without a state table)', async () => {
    writeFileSync(
      join(lambdaApp, 'handler.mjs'),
      `import { sharedEngine, withProducer } from 'rocketmq-lambda/lambda';
export const handler = withProducer(async (event, _context, rocketmq) => rocketmq.send({ topic: 'TopicTest', body: event.body, tags: 'lambda-only' }));
const context = { awsRequestId: 'lambda-only-1', functionName: 'lambda-only', getRemainingTimeInMillis: () => 30_000 };
process.stdout.write(JSON.stringify(await handler({ body: 'lambda peers only' }, context)));
await sharedEngine().close(); // the warm producer keeps its sockets for the next event; a script exits
`,
    );

    const env = { ...process.env, NAMESRV_ADDR: stack.nameServer, PRODUCER_GROUP: 'lambda-only', STATE_TABLE: '', POWERTOOLS_METRICS_DISABLED: 'true' };
    const { stdout } = await run(process.execPath, ['handler.mjs'], { cwd: lambdaApp, timeout: 60_000, env });

    const installed = readdirSync(join(lambdaApp, 'node_modules'));
    expect(installed).not.toContain('@aws-sdk');
    expect(installed).not.toContain('@middy');
    await expectStored(stdout, 'lambda peers only');
  });

  it('installs the operator CLI as a bin that answers --help and reads a route from the local name server', async () => {
    const bin = join(app, 'node_modules', '.bin', 'rocketmq-lambda');

    const help = await run(bin, ['--help'], { cwd: app, timeout: 30_000 });
    const route = await run(bin, ['routes', 'TopicTest', '--namesrv', stack.nameServer, '--json'], { cwd: app, timeout: 60_000 });

    expect(help.stdout).toContain('usage: rocketmq-lambda <command>');
    const brokers = (JSON.parse(route.stdout) as { nameServer: { brokerDatas: { brokerName: string }[] } }).nameServer.brokerDatas.map((b) => b.brokerName);
    expect(brokers.sort()).toEqual(['broker-a', 'broker-b']);
  });

  it('compiles the TypeScript samples of README and docs/ against the package', async () => {
    const pages = [
      'README.md',
      ...readdirSync(join(root, 'docs'))
        .filter((f) => f.endsWith('.md'))
        .map((f) => `docs/${f}`),
    ];
    const samples = pages.flatMap((page) =>
      [...readFileSync(join(root, page), 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((m, i) => ({ page, i, code: m[1]! })),
    );
    const files = samples.map(({ page, i, code }) => {
      const file = `sample-${page.replace(/\W+/g, '-')}-${i}.ts`;
      writeFileSync(join(app, file), code.includes('import ') ? code : `export {};\n${code}`);
      return file;
    });
    writeFileSync(join(app, 'tsconfig.samples.json'), JSON.stringify({ ...TSCONFIG, files }));

    // test/design/docs.test.ts keeps every other fence to shell and console text, so none is left out.
    expect(samples.length).toBeGreaterThanOrEqual(13);
    await tsc('tsconfig.samples.json');
  }, 180_000); // tsc over the installed package: seconds alone, more on a busy machine
});
