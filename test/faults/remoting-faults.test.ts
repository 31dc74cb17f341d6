// The remoting layer against a real broker that hangs (SIGSTOP) or dies (SIGKILL).
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { RocketMQError } from '../../lib/internal.ts';
import { RequestCode } from '../../lib/internal.ts';
import { RemotingClient } from '../../lib/internal.ts';
import { brokerControl } from '../../infra/local/stack.ts';

const stack = inject('stack');
const brokerA = stack.brokers['broker-a'].address;
const runtimeInfo = { code: RequestCode.GET_BROKER_RUNTIME_INFO, extFields: {} };
const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (err: RocketMQError) => err,
  );

afterAll(async () => {
  brokerControl.thaw('broker-a');
  if (!brokerControl.isRunning('broker-a')) await brokerControl.restart('broker-a');
});

describe('remoting against a broker that fails', () => {
  it('times requests out on a frozen broker instead of hanging', async () => {
    const client = new RemotingClient();
    await client.invoke(brokerA, runtimeInfo, 3000); // connected before the freeze

    brokerControl.freeze('broker-a');
    const error = await failure(client.invoke(brokerA, runtimeInfo, 500));
    brokerControl.thaw('broker-a');
    const after = await client.invoke(brokerA, runtimeInfo, 3000);
    client.shutdown();

    expect(error?.codeName).toBe('ACCESS_BROKER_TIMEOUT');
    expect(error?.context).toMatchObject({ address: brokerA, requestCode: RequestCode.GET_BROKER_RUNTIME_INFO });
    expect(after.code).toBe(0);
  });

  it('rejects every pending request with a connection error when the broker is killed', async () => {
    const client = new RemotingClient();
    await client.invoke(brokerA, runtimeInfo, 3000);

    brokerControl.freeze('broker-a'); // requests are written but never answered
    const pending = Array.from({ length: 5 }, () => failure(client.invoke(brokerA, runtimeInfo, 60_000)));
    await new Promise((r) => setTimeout(r, 200));
    await brokerControl.kill('broker-a');
    const errors = await Promise.all(pending);
    client.shutdown();

    // CONNECT_BROKER_EXCEPTION, not ACCESS_BROKER_TIMEOUT: they ended with the socket, not the timers.
    expect(errors.map((e) => e?.codeName)).toEqual(Array(5).fill('CONNECT_BROKER_EXCEPTION'));
    expect(errors.every((e) => e?.retriable)).toBe(true);
  });
});
