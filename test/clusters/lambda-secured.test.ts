// The publish function, configured only through its environment variables as a deployment would
// be, against a RocketMQ 5.3.3 cluster that enforces TLS (our CA) and ACL 2.0: the right settings
// publish and read back; each wrong one is a 502 naming what is wrong (the deployment's fault, for
// an operator's alarm, never a 500), with no broker isolated.
import { describe, expect, it } from 'vitest';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { Engine, type ProducerImpl, RemotingClient, withProducer } from '../../lib/internal.ts';
import { publish } from '../../functions/publish/index.ts';
import { httpApiEvent, lambdaContext } from '../support/events.ts';
import { queryByKey } from '../support/read-back.ts';
import { useCluster } from './support/use-cluster.ts';

const cluster = useCluster({ version: '5.3.3', offset: 940, tls: 'enforcing', acl: true });

describe('the publish function against a cluster with TLS enforced and ACL 2.0', () => {
  const post = async (env: Record<string, string>, key: string) => {
    const engine = new Engine({ env: { POWERTOOLS_METRICS_DISABLED: 'true', POWERTOOLS_LOG_LEVEL: 'CRITICAL', ALLOWED_TOPICS: 'TopicTest', ...env } });
    try {
      const event = httpApiEvent('POST', '/topics/TopicTest/messages', JSON.stringify({ body: 'secured', keys: [key] }), {
        'content-type': 'application/json',
      });
      const response = (await withProducer(publish, engine)(event, lambdaContext())) as APIGatewayProxyResult;
      const faults = (engine.producer as ProducerImpl | undefined)?.faults;
      const isolated = Object.keys(cluster().brokers).filter((name) => faults && !faults.isAvailable(name));
      return { status: response.statusCode, body: JSON.parse(response.body), isolated };
    } finally {
      await engine.close();
    }
  };
  const settings = () => {
    const c = cluster();
    return {
      NAMESRV_ADDR: c.endpoint,
      PRODUCER_GROUP: 'lambda-secured',
      ROCKETMQ_TLS_CA: c.certificates!.ca,
      ROCKETMQ_ACCESS_KEY: c.credentials!.producer.accessKey,
      ROCKETMQ_SECRET_KEY: c.credentials!.producer.secretKey,
    };
  };

  it('publishes with the CA and the credentials from its environment, and the message reads back', async () => {
    const c = cluster();
    const key = `lambda-secured-${Date.now()}`;
    const reader = new RemotingClient({ tls: { ca: c.certificates!.ca }, credentials: c.credentials!.admin });

    const { status, body } = await post(settings(), key);

    try {
      expect(status).toBe(200);
      expect((await queryByKey(reader, Object.values(c.brokers), 'TopicTest', key))?.body.toString()).toBe('secured');
      expect(body.result.msgId).toBeDefined();
    } finally {
      reader.shutdown();
    }
  });

  const wrong: [string, Record<string, string | undefined>, string][] = [
    ['a wrong secret key', { ROCKETMQ_SECRET_KEY: 'not-the-secret' }, 'ACCESS_DENIED'],
    ['no credentials', { ROCKETMQ_ACCESS_KEY: undefined, ROCKETMQ_SECRET_KEY: undefined }, 'ACCESS_DENIED'],
    ['no TLS at a server that requires it', { ROCKETMQ_TLS_CA: undefined }, 'TLS_HANDSHAKE_FAILED'],
  ];
  for (const [what, change, code] of wrong) {
    it(`answers 502 ${code} for ${what}, with no broker isolated`, async () => {
      const env = Object.fromEntries(Object.entries({ ...settings(), ...change }).filter(([, v]) => v !== undefined)) as Record<string, string>;

      const { status, body, isolated } = await post(env, `lambda-refused-${Date.now()}`);

      expect([status, body.error.code, body.error.retriable]).toEqual([502, code, false]);
      expect(isolated).toEqual([]);
    });
  }
});
