// Secrets where AWS users keep them. ROCKETMQ_SECRET_KEY, ROCKETMQ_SECURITY_TOKEN and
// ROCKETMQ_TLS_KEY may hold the value (local use) or name where it lives:
//   ssm:/prod/rocketmq/secret-key          an SSM Parameter Store parameter, decrypted
//   secretsmanager:prod/rocketmq           a Secrets Manager secret (its whole string)
//   secretsmanager:prod/rocketmq#secretKey one field of a JSON secret
// Read once per container, at cold start, with Powertools Parameters (cached), never per message.
// The SDK clients give up fast, like the DynamoDB one: a cold start must not hang on them.
import { ConfigError } from '../errors.ts';
import type { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';

export type SecretReference = { store: 'ssm'; name: string } | { store: 'secretsmanager'; name: string; field: string | undefined };

/** The reference a value holds, or undefined when it is the secret itself. */
export function secretReference(value: string): SecretReference | undefined {
  if (value.startsWith('ssm:')) return { store: 'ssm', name: value.slice('ssm:'.length) };
  if (value.startsWith('secretsmanager:')) {
    const [name, field] = value.slice('secretsmanager:'.length).split('#');
    return { store: 'secretsmanager', name: name!, field: field || undefined };
  }
  return undefined;
}

/** Why a reference cannot be used, for a ConfigError; undefined when it can. */
export function secretReferenceProblem(value: string): string | undefined {
  const reference = secretReference(value);
  if (!reference) return undefined;
  return reference.name.trim() === '' ? `"${value}" names no ${reference.store === 'ssm' ? 'parameter' : 'secret'}` : undefined;
}

const FAST = { maxAttempts: 2, requestHandler: { connectionTimeout: 1000, requestTimeout: 2000, throwOnRequestTimeout: true } };
let ssm: SSMProvider | undefined;
let secrets: SecretsProvider | undefined;

/** The secret a configured value stands for: itself, or what its reference names. */
export async function resolveSecret(value: string, variable: string): Promise<string> {
  const reference = secretReference(value);
  if (!reference) return value;
  if (reference.store === 'ssm') {
    const { SSMProvider } = await import('@aws-lambda-powertools/parameters/ssm');
    ssm ??= new SSMProvider({ clientConfig: FAST });
    const found = await ssm.get(reference.name, { decrypt: true });
    if (typeof found !== 'string') throw new ConfigError(variable, `SSM parameter ${reference.name} holds no value`, 'SECRET_UNREADABLE');
    return found;
  }
  const { SecretsProvider } = await import('@aws-lambda-powertools/parameters/secrets');
  secrets ??= new SecretsProvider({ clientConfig: FAST });
  const found = await secrets.get(reference.name);
  const text = typeof found === 'string' ? found : found === undefined ? undefined : Buffer.from(found).toString('utf8');
  if (text === undefined) throw new ConfigError(variable, `secret ${reference.name} holds no value`, 'SECRET_UNREADABLE');
  if (!reference.field) return text;
  const field = jsonField(text, reference.field);
  if (typeof field !== 'string') throw new ConfigError(variable, `secret ${reference.name} has no string field "${reference.field}"`, 'SECRET_UNREADABLE');
  return field;
}

/** A field of a JSON object text; undefined when the text is not a JSON object. */
function jsonField(text: string, name: string): unknown {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>)[name] : undefined;
  } catch {
    return undefined;
  }
}
