// The Worker's configuration from its env bindings (vars and secrets): the Lambda functions'
// variables read by the same readConfig, minus what cannot work in a Worker, refused by name
// instead of ignored. Read once per isolate (the bindings of a deployment do not change under it).
// STATE_TABLE shares routes and isolations through DynamoDB: a Worker has no role, so it needs the
// AWS credentials and region as bindings (lib/state/edge-dynamodb.ts), checked here by name.
import { ConfigError, readConfig, type AdapterConfig } from '../../lib/lambda/functions-kit.ts';

/** Variables of the Lambda functions a Worker cannot honour, with why. */
const NOT_ON_THE_EDGE: Record<string, string> = {
  ROCKETMQ_TLS_CA: "workerd trusts only its own CA list (its network service's trustedCertificates); the certificate's CA must be one of them",
  ROCKETMQ_TLS_CA_FILE: 'a Worker has no files; see ROCKETMQ_TLS_CA',
  ROCKETMQ_TLS_CERT: "workerd's TLS sends no client certificate: mutual TLS cannot be done from a Worker",
  ROCKETMQ_TLS_CERT_FILE: 'a Worker has no files; see ROCKETMQ_TLS_CERT',
  ROCKETMQ_TLS_KEY: "workerd's TLS sends no client certificate: mutual TLS cannot be done from a Worker",
  ROCKETMQ_TLS_KEY_FILE: 'a Worker has no files; see ROCKETMQ_TLS_KEY',
  ROCKETMQ_TLS_SERVERNAME: 'workerd checks the certificate against the host it connects to: put that name in NAMESRV_ADDR',
};
/** What a Worker signs its DynamoDB requests with, in place of a Lambda's execution role. */
const STATE_TABLE_NEEDS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION'] as const;
/** A secret reference of the Lambda functions (ssm:, secretsmanager:): a Worker takes the value itself, as a secret. */
const REFERENCE = /^(ssm|secretsmanager):/;

export interface EdgeConfig extends AdapterConfig {
  /** PUBLISH_TOKEN: undefined refuses every request. */
  publishToken: string | undefined;
}

const read = new WeakMap<object, EdgeConfig>();

/** The bindings' string values as an environment. */
function variables(env: object): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

export function readEdgeConfig(bindings: object): EdgeConfig {
  const cached = read.get(bindings);
  if (cached) return cached;
  const env = variables(bindings);
  for (const [name, why] of Object.entries(NOT_ON_THE_EDGE)) if (env[name]) throw new ConfigError(name, why);
  if (env.ROCKETMQ_TLS_VERIFY === 'false') throw new ConfigError('ROCKETMQ_TLS_VERIFY', 'workerd cannot turn certificate checks off');
  for (const name of ['ROCKETMQ_SECRET_KEY', 'ROCKETMQ_SECURITY_TOKEN']) {
    if (REFERENCE.test(env[name] ?? '')) throw new ConfigError(name, 'set the value itself as a Workers secret (wrangler secret put), not a reference');
  }
  if (env.STATE_TABLE) {
    for (const name of STATE_TABLE_NEEDS) {
      if (!env[name])
        throw new ConfigError(name, 'STATE_TABLE needs it: a Worker has no AWS role, set the key pair as Workers secrets and the region as a var');
    }
  }
  const config = { ...readConfig(env), publishToken: env.PUBLISH_TOKEN || undefined };
  read.set(bindings, config);
  return config;
}
