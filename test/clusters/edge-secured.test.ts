// From a Worker in Cloudflare's workerd to real secured RocketMQ servers: clusters that enforce
// TLS (a certificate of our CA for 127.0.0.1 and localhost, which the workerd network service is
// told to trust, as a deployed Worker trusts the public CAs; the brokers advertise 127.0.0.1, a
// name the certificate carries, so workerd's check against the host connected to passes) and ACL
// (2.0 on 5.3.3, 1.0 on 4.9.7; the accounts of cluster-acl.ts, given as the Worker's bindings).
// The Worker makes its producer inside each request (withEdgeProducer); what it sends is read back
// from the brokers, and what the cluster refuses comes back as the typed error with nothing stored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureEdgeRuntime } from '../../infra/edge-runtimes.ts';
import type { Cluster } from '../../infra/local/cluster.ts';
import type { RocketMqVersion } from '../../infra/local/versions.ts';
import { REPO_ROOT } from '../../infra/local/config.ts';
import type { AclCredentials, Message } from '../../lib/index.ts';
import { RemotingClient } from '../../lib/internal.ts';
import { type ServedWorker, serveWorker } from '../edge/support/workerd.ts';
import { queryByKey, viewByOffsetId } from '../support/read-back.ts';
import { useCluster } from './support/use-cluster.ts';

const ENTRY = `${REPO_ROOT}/test/edge/programs/secured-worker.ts`;

interface WorkerAnswer {
  status: number;
  results?: { status: string; msgId: string; offsetMsgId: string; queue: { brokerName: string } }[];
  error?: { codeName: string; retriable: boolean; attempts: number; responseCode?: number; message: string };
  stats?: { sockets: { opened: number; open: number } };
}

interface Shape {
  version: RocketMqVersion;
  acl: string;
  /** Its own port block: 970 and 980 are used by no other file of the tier. */
  offset: number;
  /** What the brokers answer a refusal with: 16 NO_PERMISSION on 5.3+, 1 (an AclException) on 4.9. */
  refusalCode: number;
  /** The broker's words for a topic the account may not publish to. */
  topicRefusal: RegExp;
}

const SHAPES: Shape[] = [
  { version: '5.3.3', acl: '2.0', offset: 970, refusalCode: 16, topicRefusal: /no permission to access Topic:TopicTest/ },
  { version: '4.9.7', acl: '1.0', offset: 980, refusalCode: 1, topicRefusal: /AclException: No default permission for topic:TopicTest/ },
];

for (const shape of SHAPES) describeShape(shape);

function describeShape({ version, acl, offset, refusalCode, topicRefusal }: Shape): void {
  describe(`a Worker in workerd to a RocketMQ ${version} cluster with TLS enforced and ACL ${acl}`, () => {
    const cluster = useCluster({ version, offset, tls: 'enforcing', acl: true });
    let c: Cluster;
    let reader: RemotingClient;
    let workerd: string;
    const workers: ServedWorker[] = [];

    /** A Worker trusting our CA (or not), with these credentials as its secrets. */
    async function serve(credentials: AclCredentials | undefined, trustOurCa = true): Promise<ServedWorker> {
      const worker = await serveWorker(workerd, {
        entry: ENTRY,
        ...(trustOurCa ? { trustedCertificates: [c.certificates!.ca] } : {}),
        bindings: {
          NAMESRV_ADDR: c.endpoint,
          ROCKETMQ_TLS: 'true',
          ...(credentials ? { ROCKETMQ_ACCESS_KEY: credentials.accessKey, ROCKETMQ_SECRET_KEY: credentials.secretKey } : {}),
        },
      });
      workers.push(worker);
      return worker;
    }

    async function send(worker: ServedWorker, messages: Message[]): Promise<WorkerAnswer> {
      const response = await fetch(`${worker.url}/send`, { method: 'POST', body: JSON.stringify(messages) });
      return { status: response.status, ...((await response.json()) as Omit<WorkerAnswer, 'status'>) };
    }

    beforeAll(() => {
      c = cluster();
      workerd = ensureEdgeRuntime('workerd');
      reader = new RemotingClient({ tls: { ca: c.certificates!.ca }, credentials: c.credentials!.admin });
    });

    afterAll(async () => {
      await Promise.all(workers.map((worker) => worker.close()));
      reader?.shutdown();
    });

    it('sends over TLS, signed with the producer account, and every message reads back with its tags, keys and properties', async () => {
      const run = `edge-secured-${Date.now()}`;
      const messages: Message[] = [
        { topic: 'TopicTest', body: `${run} plain`, tags: 'EdgeTls', keys: [`${run}-1`, 'edge'], properties: { origin: 'workerd', run } },
        { topic: 'TopicOrder', body: `${run} ordered`, tags: 'EdgeOrder', keys: `${run}-2`, shardingKey: run },
      ];
      const worker = await serve(c.credentials!.producer);

      const answer = await send(worker, messages);

      expect(answer.status, JSON.stringify(answer.error)).toBe(200);
      const stored = await Promise.all(answer.results!.map((result) => viewByOffsetId(reader, result.offsetMsgId)));
      expect(stored.map((m) => [m.topic, m.body.toString()])).toEqual([
        ['TopicTest', `${run} plain`],
        ['TopicOrder', `${run} ordered`],
      ]);
      expect(Object.fromEntries(stored[0]!.properties)).toMatchObject({
        TAGS: 'EdgeTls',
        KEYS: `${run}-1 edge`,
        origin: 'workerd',
        run,
        UNIQ_KEY: answer.results![0]!.msgId,
      });
      expect(Object.fromEntries(stored[1]!.properties)).toMatchObject({ TAGS: 'EdgeOrder', KEYS: `${run}-2`, UNIQ_KEY: answer.results![1]!.msgId });
      expect(answer.stats?.sockets.open).toBe(0);
    });

    it(`is refused a topic the account may not publish to: ACCESS_DENIED after one attempt, code ${refusalCode} kept, nothing stored`, async () => {
      const key = `edge-denied-${Date.now()}`;
      const worker = await serve(c.credentials!.outsider);

      const denied = await send(worker, [{ topic: 'TopicTest', body: 'never stored', keys: key }]);
      const allowed = await send(worker, [{ topic: 'TopicBatch', body: 'the outsider may publish here', keys: `${key}-allowed` }]);

      expect(denied.status).toBe(500);
      expect(denied.error).toMatchObject({ codeName: 'ACCESS_DENIED', retriable: false, attempts: 1, responseCode: refusalCode });
      expect(denied.error!.message).toMatch(topicRefusal);
      expect(await queryByKey(reader, Object.values(c.brokers), 'TopicTest', key, { waitMs: 1500 })).toBeUndefined();
      // The same account, the same TLS: its own topic is taken, so the refusal above is the ACL's.
      expect(allowed.status, JSON.stringify(allowed.error)).toBe(200);
      expect((await viewByOffsetId(reader, allowed.results![0]!.offsetMsgId)).body.toString()).toBe('the outsider may publish here');
    });

    it('is refused without credentials: ACCESS_DENIED, nothing stored', async () => {
      const key = `edge-unsigned-${Date.now()}`;
      const worker = await serve(undefined);

      const answer = await send(worker, [{ topic: 'TopicTest', body: 'never stored', keys: key }]);

      expect(answer.error).toMatchObject({ codeName: 'ACCESS_DENIED', retriable: false, responseCode: refusalCode });
      expect(await queryByKey(reader, Object.values(c.brokers), 'TopicTest', key, { waitMs: 1500 })).toBeUndefined();
    });

    it('fails the handshake when workerd is not told to trust our CA: TLS_HANDSHAKE_FAILED, not retried', async () => {
      const worker = await serve(c.credentials!.producer, false);

      const answer = await send(worker, [{ topic: 'TopicTest', body: 'never stored' }]);

      expect(answer.error).toMatchObject({ codeName: 'TLS_HANDSHAKE_FAILED', retriable: false });
    });
  });
}
