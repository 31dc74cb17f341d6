// ACL on real ACL-enabled brokers: ACL 2.0 on RocketMQ 5.3.3 and 5.5 (users and policies made by
// the admin tool) and ACL 1.0 on 4.9.7 (plain_acl.yml), with the accounts of cluster-acl.ts. What the
// servers answer is first seen with the naive probe (independent of lib/); then the producer's
// `credentials`: the right ones send, batch, order and delay and read back, and every refusal is
// ACCESS_DENIED after one attempt, whatever code the server used, with no broker isolated.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cluster } from '../../infra/local/cluster.ts';
import type { RocketMqVersion } from '../../infra/local/versions.ts';
import { probe } from '../../infra/local/probe.ts';
import { createProducer, type AclCredentials, type SendError } from '../../lib/index.ts';
import { createInternalProducer, MemorySharedState, parseLenientJson, RemotingClient } from '../../lib/internal.ts';
import { viewByOffsetId } from '../support/read-back.ts';
import { sharedStateWithRoutes } from './support/preloaded-routes.ts';
import { expectRefusedOnce, expectStoredAndReadBack } from './support/secured.ts';
import { useCluster } from './support/use-cluster.ts';

const GET_BROKER_RUNTIME_INFO = 28;
const GET_PRODUCER_CONNECTION_LIST = 204;
const quiet = { logger: () => undefined };

interface AclShape {
  title: string;
  version: RocketMqVersion;
  offset: number;
  /** The response code the broker refuses with: 16 on 5.3+, 1 (an AclException) on 4.9. */
  refusalCode: number;
  remarks: { unsigned: RegExp; wrongSecret: RegExp };
  /** Whether the broker checks the topic permission of SEND_BATCH_MESSAGE (4.9.7 checks only the signature). */
  batchPermissionChecked: boolean;
}

const SHAPES: AclShape[] = [
  {
    title: 'ACL 2.0 on RocketMQ 5.3.3',
    version: '5.3.3',
    offset: 880,
    refusalCode: 16,
    remarks: { unsigned: /^username cannot be null\.$/, wrongSecret: /^check signature failed\.$/ },
    batchPermissionChecked: true,
  },
  {
    // 5.5.0, not the 5.5.1 broker: its auth jar is not on Maven Central, and with 5.5.0's the 5.5.1
    // broker fails every authorization with a NoSuchMethodError (versions.ts).
    title: 'ACL 2.0 on RocketMQ 5.5.0',
    version: '5.5.0',
    offset: 920,
    refusalCode: 16,
    remarks: { unsigned: /^username cannot be null\.$/, wrongSecret: /^check signature failed\.$/ },
    batchPermissionChecked: true,
  },
  {
    title: 'ACL 1.0 on RocketMQ 4.9.7',
    version: '4.9.7',
    offset: 890,
    refusalCode: 1,
    remarks: { unsigned: /AclException: No accessKey is configured/, wrongSecret: /AclException: Check signature failed for accessKey=lambdaproducer/ },
    batchPermissionChecked: false,
  },
];

for (const shape of SHAPES) {
  describe(shape.title, () => {
    const cluster = useCluster({ version: shape.version, offset: shape.offset, acl: true });
    let c: Cluster;
    let reader: RemotingClient;
    const producerOf = async (group: string, credentials: AclCredentials | undefined) => {
      const producer = createInternalProducer({
        nameServers: c.endpoint,
        producerGroup: group,
        ...(credentials ? { credentials } : {}),
        sharedState: new MemorySharedState(),
        ...quiet,
      });
      await producer.start();
      return producer;
    };
    beforeAll(() => {
      c = cluster();
      reader = new RemotingClient({ credentials: c.credentials!.admin });
    });
    afterAll(() => reader.shutdown());

    it(`refuses unsigned and wrongly signed requests with code ${shape.refusalCode} (servers)`, async () => {
      const broker = c.brokers['broker-a'];
      const unsigned = await probe(broker, GET_BROKER_RUNTIME_INFO);
      const wrong = await probe(broker, GET_BROKER_RUNTIME_INFO, {}, 3000, 479, { credentials: { ...c.credentials!.producer, secretKey: 'not-the-secret' } });
      const admin = await probe(broker, GET_BROKER_RUNTIME_INFO, {}, 3000, 479, { credentials: c.credentials!.admin });

      expect([unsigned.code, unsigned.remark]).toEqual([shape.refusalCode, expect.stringMatching(shape.remarks.unsigned)]);
      expect([wrong.code, wrong.remark]).toEqual([shape.refusalCode, expect.stringMatching(shape.remarks.wrongSecret)]);
      expect(admin.code).toBe(0);
    });

    it('takes sync, batch, ordered and delay-level sends signed with the right credentials, and reads them back', async () => {
      const producer = createProducer({ nameServers: c.endpoint, producerGroup: 'acl-right', credentials: c.credentials!.producer, ...quiet });
      await producer.start();
      try {
        await expectStoredAndReadBack(producer, reader, `acl-${shape.version}`);
      } finally {
        await producer.shutdown();
      }
    });

    it("signs its heartbeats: the broker lists the producer's group", async () => {
      const producer = await producerOf('acl-heartbeat', c.credentials!.producer);
      try {
        await producer.send({ topic: 'TopicTest', body: 'heartbeat' });
        let connections: unknown[] = [];
        for (let tries = 0; connections.length === 0 && tries < 50; tries++) {
          const response = await probe(c.brokers['broker-a'], GET_PRODUCER_CONNECTION_LIST, { producerGroup: 'acl-heartbeat' }, 3000, 479, c.via);
          const other = await probe(c.brokers['broker-b'], GET_PRODUCER_CONNECTION_LIST, { producerGroup: 'acl-heartbeat' }, 3000, 479, c.via);
          connections = [response, other].flatMap((r) =>
            r.code === 0 ? (parseLenientJson(r.body.toString()) as { connectionSet: unknown[] }).connectionSet : [],
          );
          if (connections.length === 0) await new Promise((r) => setTimeout(r, 200));
        }
        expect(connections.length).toBeGreaterThan(0);
      } finally {
        await producer.shutdown();
      }
    });

    it('carries and signs a SecurityToken: the broker takes the send', async () => {
      const producer = await producerOf('acl-token', { ...c.credentials!.producer, securityToken: 'sts-session-token' });
      try {
        const result = await producer.send({ topic: 'TopicTest', body: 'with token' });
        expect((await viewByOffsetId(reader, result.offsetMsgId)).body.toString()).toBe('with token');
      } finally {
        await producer.shutdown();
      }
    });

    const refusals: [string, (c: Cluster) => AclCredentials | undefined, string][] = [
      ['a wrong secret', (c) => ({ ...c.credentials!.producer, secretKey: 'not-the-secret' }), 'TopicTest'],
      ['an unknown user', () => ({ accessKey: 'nobodyknown', secretKey: 'nobodyknown-secret' }), 'TopicTest'],
      ['no credentials', () => undefined, 'TopicTest'],
      ['a user without permission on the topic', (c) => c.credentials!.outsider, 'TopicTest'],
      // Auto-creation through TBW102 is a send to the new topic, checked like any other.
      ['a topic that does not exist yet, to a user without permission on it', (c) => c.credentials!.producer, `NotCreated${shape.offset}`],
    ];
    for (const [what, credentials, topic] of refusals) {
      it(`refuses ${what}: ACCESS_DENIED after one attempt, the server's code kept, no broker isolated`, async () => {
        const producer = await producerOf(`acl-refused-${what.replaceAll(/[ ,]+/g, '-')}`, credentials(c));
        try {
          const error = await expectRefusedOnce(producer, c, producer.send({ topic, body: 'never stored' }), 'ACCESS_DENIED');
          expect(error.code).toBe(19008);
          expect(error.context.responseCode).toBe(shape.refusalCode);
        } finally {
          await producer.shutdown();
        }
      });
    }

    it('lets the user without permission on TopicTest publish where it may (TopicBatch)', async () => {
      const producer = await producerOf('acl-outsider-allowed', c.credentials!.outsider);
      try {
        const result = await producer.send({ topic: 'TopicBatch', body: 'allowed here' });
        expect((await viewByOffsetId(reader, result.offsetMsgId)).body.toString()).toBe('allowed here');
      } finally {
        await producer.shutdown();
      }
    });

    if (shape.batchPermissionChecked) {
      it('refuses a batch to a topic the user may not publish to: ACCESS_DENIED, no broker isolated', async () => {
        const producer = await producerOf('acl-outsider-batch', c.credentials!.outsider);
        try {
          await expectRefusedOnce(producer, c, producer.sendBatch([{ topic: 'TopicTest', body: 'never stored' }]), 'ACCESS_DENIED');
        } finally {
          await producer.shutdown();
        }
      });
    } else {
      // PlainAccessValidator.parse (4.9.7) checks topic permissions for SEND_MESSAGE and
      // SEND_MESSAGE_V2 only: a batch (SEND_BATCH_MESSAGE) is checked for its signature alone.
      it('stores a batch to a topic the user may not publish to: 4.9.7 checks only the signature of a batch (servers)', async () => {
        const producer = await producerOf('acl-outsider-batch', c.credentials!.outsider);
        try {
          const [result] = await producer.sendBatch([{ topic: 'TopicTest', body: 'batch past the ACL' }]);
          expect((await viewByOffsetId(reader, result!.offsetMsgId)).body.toString()).toBe('batch past the ACL');
        } finally {
          await producer.shutdown();
        }
      });
    }
  });
}

// The 5.3.3 Proxy with ACL 2.0 in front of ACL 2.0 brokers: the proxy authenticates and
// authorizes every request itself, route lookups included, and answers a refusal with
// SYSTEM_ERROR (1) and the exception's text (AbstractRemotingActivity.writeErrResponse), not 16.
describe('ACL 2.0 on a RocketMQ 5.3.3 Proxy', () => {
  const cluster = useCluster({ version: '5.3.3', offset: 930, acl: true, proxy: true });
  let c: Cluster;
  let reader: RemotingClient;
  beforeAll(() => {
    c = cluster();
    reader = new RemotingClient({ credentials: c.credentials!.admin });
  });
  afterAll(() => reader.shutdown());

  it('refuses an unsigned route lookup with code 1 (the proxy)', async () => {
    const unsigned = await probe(c.endpoint, 105, { topic: 'TopicTest' });
    const signed = await probe(c.endpoint, 105, { topic: 'TopicTest' }, 3000, 479, { credentials: c.credentials!.producer });

    expect([unsigned.code, unsigned.remark]).toEqual([1, 'username cannot be null.']);
    expect(signed.code).toBe(0);
  });

  it('takes a send and a batch signed with the right credentials, and reads them back', async () => {
    const producer = createProducer({ nameServers: c.endpoint, producerGroup: 'acl-proxy', credentials: c.credentials!.producer, ...quiet });
    await producer.start();
    try {
      const single = await producer.send({ topic: 'TopicTest', body: 'through the proxy' });
      const batch = await producer.sendBatch([{ topic: 'TopicBatch', body: 'batch through the proxy' }]);
      const stored = await Promise.all([single, ...batch].map((r) => viewByOffsetId(reader, r.offsetMsgId)));
      expect(stored.map((m) => m.body.toString())).toEqual(['through the proxy', 'batch through the proxy']);
    } finally {
      await producer.shutdown();
    }
  });

  it('carries and signs a SecurityToken through the proxy: it takes the send', async () => {
    const credentials = { ...c.credentials!.producer, securityToken: 'sts-session-token' };
    const producer = createProducer({ nameServers: c.endpoint, producerGroup: 'acl-proxy-token', credentials, ...quiet });
    await producer.start();
    try {
      const result = await producer.send({ topic: 'TopicTest', body: 'with token through the proxy' });
      expect((await viewByOffsetId(reader, result.offsetMsgId)).body.toString()).toBe('with token through the proxy');
    } finally {
      await producer.shutdown();
    }
  });

  it('refuses a wrong secret at the route lookup: ACCESS_DENIED before any send, no broker isolated', async () => {
    const producer = createInternalProducer({
      nameServers: c.endpoint,
      producerGroup: 'acl-proxy-route',
      credentials: { ...c.credentials!.producer, secretKey: 'not-the-secret' },
      ...quiet,
    });
    await producer.start();
    try {
      const error = (await producer.send({ topic: 'TopicTest', body: 'never stored' }).catch((err: unknown) => err)) as SendError;
      expect([error.codeName, error.attempts, error.context.responseCode]).toEqual(['ACCESS_DENIED', 0, 1]);
      for (const name of Object.keys(c.brokers)) expect(producer.faults!.isAvailable(name)).toBe(true);
    } finally {
      await producer.shutdown();
    }
  });

  const refusals: [string, (c: Cluster) => AclCredentials | undefined][] = [
    ['a wrong secret', (c) => ({ ...c.credentials!.producer, secretKey: 'not-the-secret' })],
    ['an unknown user', () => ({ accessKey: 'nobodyknown', secretKey: 'nobodyknown-secret' })],
    ['no credentials', () => undefined],
    ['a user without permission on the topic', (c) => c.credentials!.outsider],
  ];
  for (const [what, credentials] of refusals) {
    it(`refuses a send with ${what} (routes known already): ACCESS_DENIED after one attempt, code 1 kept, no broker isolated`, async () => {
      const producer = createInternalProducer({
        nameServers: c.endpoint,
        producerGroup: `acl-proxy-${what.replaceAll(' ', '-')}`,
        ...(credentials(c) ? { credentials: credentials(c) } : {}),
        sharedState: await sharedStateWithRoutes(c, ['TopicTest']),
        ...quiet,
      });
      await producer.start();
      try {
        const error = await expectRefusedOnce(producer, c, producer.send({ topic: 'TopicTest', body: 'never stored' }), 'ACCESS_DENIED');
        expect(error.context.responseCode).toBe(1);
      } finally {
        await producer.shutdown();
      }
    });
  }
});
