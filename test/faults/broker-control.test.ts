// The stack's per-broker fault controls, which later fault tests rely on. These files run after
// every other test file (their own vitest project), because they take brokers away.
import { afterAll, describe, expect, inject, it } from 'vitest';
import { brokerControl } from '../../infra/local/stack.ts';
import { clusterInfo, probe } from '../../infra/local/probe.ts';

const stack = inject('stack');
const GET_BROKER_RUNTIME_INFO = 28;
const runtimeInfo = (address: string, timeoutMs = 2000) => probe(address, GET_BROKER_RUNTIME_INFO, {}, timeoutMs);

afterAll(async () => {
  // Leave the cluster whole for whatever runs next, whatever happened above.
  for (const name of ['broker-a', 'broker-b'] as const) {
    brokerControl.thaw(name);
    if (!brokerControl.isRunning(name)) await brokerControl.restart(name);
  }
});

describe('broker fault controls', () => {
  it('freezes a broker so requests time out, and thaws it so they are answered again', async () => {
    const address = stack.brokers['broker-b'].address;

    brokerControl.freeze('broker-b');
    const frozen = await runtimeInfo(address, 1000).catch((err: Error) => err);
    brokerControl.thaw('broker-b');
    const thawed = await runtimeInfo(address);

    expect(frozen).toBeInstanceOf(Error);
    expect((frozen as Error).message).toMatch(/no answer .* within 1000 ms/);
    expect(thawed.code).toBe(0);
  });

  it('kills a broker with SIGKILL so connections are refused, and restarts it on the same store', async () => {
    const address = stack.brokers['broker-a'].address;

    await brokerControl.kill('broker-a');
    const killed = await runtimeInfo(address).catch((err: NodeJS.ErrnoException) => err);
    const runningAfterKill = brokerControl.isRunning('broker-a');
    await brokerControl.restart('broker-a');
    const restarted = await runtimeInfo(address);

    expect((killed as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
    expect(runningAfterKill).toBe(false);
    expect([restarted.code, restarted.remark]).toEqual([0, undefined]);
    expect(brokerControl.isRunning('broker-a')).toBe(true);
  });

  it('stops a broker gracefully so it leaves the name server, and brings it back', async () => {
    await brokerControl.stop('broker-b');
    const whileStopped = await clusterInfo(stack.nameServer);
    await brokerControl.restart('broker-b');
    const afterRestart = await clusterInfo(stack.nameServer);

    expect(whileStopped.brokers['broker-b']).toBeUndefined();
    expect(afterRestart.brokers['broker-b']).toEqual({ '0': stack.brokers['broker-b'].address });
  });
});
