// A fake name server and fake brokers on loopback, scripted per test, for what real brokers cannot
// be made to do on demand: answer after an exact latency, answer a chosen code, drop a connection.
import type { Socket } from 'node:net';
import { respond, startFakePeer, type FakePeer, type PeerRequest } from './fake-peer.ts';

export type SendHandler = (request: PeerRequest, reply: (code: number, delayMs?: number) => void) => void;

export interface FakeCluster {
  nameServer: string;
  brokers: Record<string, { address: string; peer: FakePeer; sends: PeerRequest[] }>;
  close(): Promise<void>;
}

const SEND_CODES = new Set([10, 310, 320]);

function sendReply(socket: Socket, request: PeerRequest, code: number): void {
  const queueId = request.header.extFields?.e ?? request.header.extFields?.queueId ?? '0';
  respond(socket, request.header.opaque, code, {
    extFields: { msgId: '7F00000100002A9F0000000000000000', queueId, queueOffset: '7', MSG_REGION: 'DefaultRegion', TRACE_ON: 'true' },
  });
}

export async function startFakeCluster(handlers: Record<string, SendHandler>, queuesPerBroker = 2): Promise<FakeCluster> {
  const brokers: FakeCluster['brokers'] = {};
  for (const [name, handler] of Object.entries(handlers)) {
    const sends: PeerRequest[] = [];
    const peer = await startFakePeer((request) => {
      if (!SEND_CODES.has(request.header.code)) {
        respond(request.socket, request.header.opaque); // heartbeats and the like
        return;
      }
      sends.push(request);
      handler(request, (code, delayMs = 0) => {
        if (delayMs > 0) setTimeout(() => sendReply(request.socket, request, code), delayMs);
        else sendReply(request.socket, request, code);
      });
    });
    brokers[name] = { address: peer.address, peer, sends };
  }
  const route = {
    brokerDatas: Object.entries(brokers).map(([brokerName, b]) => ({ brokerName, cluster: 'FakeCluster', brokerAddrs: { '0': b.address } })),
    queueDatas: Object.keys(brokers).map((brokerName) => ({
      brokerName,
      readQueueNums: queuesPerBroker,
      writeQueueNums: queuesPerBroker,
      perm: 6,
      topicSysFlag: 0,
    })),
  };
  const nameServer = await startFakePeer((request) => {
    respond(request.socket, request.header.opaque, 0, {}, Buffer.from(JSON.stringify(route)));
  });
  return {
    nameServer: nameServer.address,
    brokers,
    close: async () => {
      await nameServer.close();
      await Promise.all(Object.values(brokers).map((b) => b.peer.close()));
    },
  };
}
