// Secrets named by reference are read once per container with Powertools Parameters and the real
// AWS SDK, against a local endpoint that speaks the SSM and Secrets Manager JSON APIs (no emulator
// of either runs on this machine; the endpoint is scripted and says what it was asked). The secret
// it hands out must be the one the producer signs with: a scripted broker checks the Signature.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, Engine, readConfig, signRequest, withProducer } from '../../lib/internal.ts';
import { secretReference } from '../../lib/lambda/secrets.ts';
import { lambdaContext } from '../support/events.ts';
import { startFakeCluster, type FakeCluster, type SendHandler } from '../support/fake-cluster.ts';

const stored = {
  ssm: { '/prod/rocketmq/secret-key': 'secret-from-ssm' } as Record<string, string>,
  secrets: { 'prod/rocketmq': JSON.stringify({ secretKey: 'secret-from-secrets-manager' }) } as Record<string, string>,
};
const asked: string[] = [];
let endpoint = '';
let server: Server;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target']);
      const input = JSON.parse(body) as { Name?: string; SecretId?: string };
      asked.push(`${target} ${input.Name ?? input.SecretId}`);
      res.setHeader('content-type', 'application/x-amz-json-1.1');
      if (target === 'AmazonSSM.GetParameter' && input.Name && stored.ssm[input.Name]) {
        res.end(JSON.stringify({ Parameter: { Name: input.Name, Type: 'SecureString', Value: stored.ssm[input.Name], Version: 1 } }));
      } else if (target === 'secretsmanager.GetSecretValue' && input.SecretId && stored.secrets[input.SecretId]) {
        res.end(
          JSON.stringify({
            ARN: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${input.SecretId}`,
            Name: input.SecretId,
            SecretString: stored.secrets[input.SecretId],
            VersionId: 'v1',
          }),
        );
      } else {
        res.statusCode = 400;
        res.end(JSON.stringify({ __type: 'ResourceNotFoundException', message: 'not found' }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_SSM: endpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
  });
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

/** A cluster whose broker answers a send only when it is signed with `secret`. */
async function clusterCheckingSecret(secret: string): Promise<FakeCluster> {
  const verify: SendHandler = (request, reply) => {
    const { Signature, ...fields } = request.header.extFields ?? {};
    const expected = signRequest({ code: request.header.code, extFields: fields, body: request.body }, { accessKey: fields.AccessKey!, secretKey: secret })
      .extFields.Signature;
    reply(Signature === expected ? 0 : 16);
  };
  return startFakeCluster({ b: verify });
}

const quiet = { POWERTOOLS_METRICS_DISABLED: 'true', POWERTOOLS_LOG_LEVEL: 'CRITICAL' };

describe('secrets by reference', () => {
  for (const [where, reference, secret] of [
    ['an SSM parameter', 'ssm:/prod/rocketmq/secret-key', 'secret-from-ssm'],
    ['a field of a Secrets Manager JSON secret', 'secretsmanager:prod/rocketmq#secretKey', 'secret-from-secrets-manager'],
  ] as const) {
    it(`signs with the secret key read from ${where}, read once per container`, async () => {
      const cluster = await clusterCheckingSecret(secret);
      const env = {
        NAMESRV_ADDR: cluster.nameServer,
        PRODUCER_GROUP: 'secrets-test',
        ROCKETMQ_ACCESS_KEY: 'producerAK',
        ROCKETMQ_SECRET_KEY: reference,
        ...quiet,
      };
      const engine = new Engine({ env });
      const handler = withProducer(async (_e: unknown, _c, rocketmq) => (await rocketmq.send({ topic: 'T', body: 'signed' })).status, engine);
      const before = asked.length;

      const first = await handler({}, lambdaContext());
      const second = await handler({}, lambdaContext());
      await engine.close();
      await cluster.close();

      expect([first, second]).toEqual(['SEND_OK', 'SEND_OK']);
      expect(asked.length - before).toBe(1);
    });
  }

  it('reads a plain value as the secret itself, and refuses a reference that names nothing', () => {
    expect(secretReference('plain-secret')).toBeUndefined();
    expect(() => readConfig({ NAMESRV_ADDR: 'a:1', PRODUCER_GROUP: 'g', ROCKETMQ_ACCESS_KEY: 'ak', ROCKETMQ_SECRET_KEY: 'ssm:' })).toThrow(ConfigError);
  });

  it('fails the invocation with one error naming the variable when the secret does not exist', async () => {
    const engine = new Engine({
      env: { NAMESRV_ADDR: '127.0.0.1:1', PRODUCER_GROUP: 'g', ROCKETMQ_ACCESS_KEY: 'ak', ROCKETMQ_SECRET_KEY: 'secretsmanager:missing', ...quiet },
    });
    const handler = withProducer(async () => 'unreachable', engine);

    await expect(handler({}, lambdaContext())).rejects.toThrow(/not found|missing/);
  });
});
