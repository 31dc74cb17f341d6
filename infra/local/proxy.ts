// The RocketMQ 5 Proxy (rocketmq-proxy) in cluster mode in front of a running cluster: clients
// speak remoting to its remotingListenPort as if it were the name server and every broker. It
// answers routes itself, giving every broker the address `remotingAccessAddr:remotingListenPort`,
// and forwards sends to the named broker (ProxyConfig; GetTopicRouteActivity).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BOOT_TIMEOUT_MS, HOST } from './config.ts';
import { StackError } from './errors.ts';
import { spawnDetached, waitForLogLine, type SpawnedService } from './processes.ts';
import { topicRoute, type ProbeVia } from './probe.ts';
import { nameServerAddress, type RocketMqSite } from './rocketmq.ts';

export interface ProxyRecord extends SpawnedService {
  address: string;
}

/** `extraConfig` joins rmq-proxy.json (ACL 2.0 keys, for one). */
export async function startProxy(site: RocketMqSite, proxyLib: string, readyTopic: string, extraConfig: Record<string, unknown> = {}): Promise<ProxyRecord> {
  const home = join(site.dir, 'proxy');
  mkdirSync(home, { recursive: true });
  const configFile = join(home, 'rmq-proxy.json');
  const config = {
    rocketMQClusterName: site.cluster,
    namesrvAddr: nameServerAddress(site),
    proxyMode: 'cluster',
    remotingListenPort: site.ports.proxy.remoting,
    grpcServerPort: site.ports.proxy.grpc,
    // Both default to the first non-loopback address; the routes it hands out carry the first.
    remotingAccessAddr: HOST,
    localServeAddr: HOST,
    ...extraConfig,
  };
  writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`);
  const args = [
    '-Xms128m',
    '-Xmx256m',
    '-XX:MaxDirectMemorySize=128m',
    '-XX:+UseSerialGC',
    `-Duser.home=${home}`,
    '-cp',
    `${proxyLib}/*`,
    'org.apache.rocketmq.proxy.ProxyStartup',
    '-pc',
    configFile,
    '-pm',
    'cluster',
  ];
  const service = spawnDetached('java', args, { logFile: join(home, 'stdout.log'), cwd: home, env: { ...process.env, ROCKETMQ_HOME: home } });
  await waitForLogLine(service, /rocketmq-proxy startup successfully/, 'the proxy', BOOT_TIMEOUT_MS, join(home, 'logs', 'rocketmqlogs', 'proxy.log'));
  const address = `${HOST}:${site.ports.proxy.remoting}`;
  await waitForProxyRoute(address, readyTopic, site.via);
  return { ...service, address };
}

/** Up means it answers a route from the cluster behind it, with itself as every broker's address. */
async function waitForProxyRoute(address: string, topic: string, via: ProbeVia = {}): Promise<void> {
  const deadline = Date.now() + BOOT_TIMEOUT_MS;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    try {
      const route = await topicRoute(address, topic, 3000, via);
      if (route && route.brokerDatas.length > 0 && route.brokerDatas.every((b) => b.brokerAddrs['0'] === address)) return;
      last = JSON.stringify(route);
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(200);
  }
  throw new StackError(`the proxy started but never answered the route of ${topic} (${last})`);
}
