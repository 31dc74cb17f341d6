// What startCluster refuses before it starts anything: one sentence naming what is wrong.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startCluster, type ClusterSpec } from '../../infra/local/cluster.ts';
import { StackError } from '../../infra/local/errors.ts';
import { JAR_SETS, jarVersions } from '../../infra/local/versions.ts';

async function refusal(spec: ClusterSpec): Promise<unknown> {
  return startCluster(spec).then(
    async (cluster) => {
      await cluster.stop();
      return undefined;
    },
    (err: unknown) => err,
  );
}

describe('startCluster', () => {
  it.each([
    [{ version: '5.3.3', offset: 805 }, 'STACK_PORT_OFFSET=805 is refused'],
    [{ version: '5.4.0', offset: 810 }, 'version 5.4.0 is not one of 4.9.7, 5.3.3, 5.5.0, 5.5.1'],
    [{ version: '4.9.7', offset: 810, proxy: true }, 'the proxy is rocketmq-proxy 5.3.3: use it with version 5.3.3'],
    [{ version: '5.3.3', offset: 810, proxy: true, tls: 'mutual' }, 'a proxy cluster runs without TLS here'],
    [{ version: '5.3.3', offset: 810, tls: 'strict' }, 'tls strict is not one of permissive, enforcing, mutual'],
  ])('refuses %j before starting anything', async (spec, message) => {
    const error = await refusal(spec as ClusterSpec);

    expect(error).toBeInstanceOf(StackError);
    expect((error as Error).message).toContain(message);
  });
});

describe('RocketMQ jar sets', () => {
  it('runs the 5.5.1 broker with the 5.5.0 pieces Maven Central has no 5.5.1 of', () => {
    const set = JAR_SETS['5.5.1'];

    expect(set.artifacts).toEqual({ 'rocketmq-broker': '5.5.1', 'rocketmq-namesrv': '5.5.0', 'rocketmq-tools': '5.5.0' });
    expect(set.managed).toMatchObject({ 'rocketmq-remoting': '5.5.1', 'rocketmq-auth': '5.5.0', 'rocketmq-client': '5.5.0' });
  });

  it('reads what ran from the jar names', () => {
    const lib = mkdtempSync(join(tmpdir(), 'jars-'));
    for (const name of ['rocketmq-broker-5.5.1.jar', 'rocketmq-namesrv-5.5.0.jar', 'rocketmq-slf4j-api-1.0.1.jar', 'netty-all-4.1.65.Final.jar']) {
      writeFileSync(join(lib, name), '');
    }

    const versions = jarVersions(lib);
    rmSync(lib, { recursive: true });

    expect(versions).toEqual({ 'rocketmq-broker': '5.5.1', 'rocketmq-namesrv': '5.5.0', 'rocketmq-slf4j-api': '1.0.1' });
  });
});
