// The rules every validator shares: the producer's options, a message's fields, the Lambda
// adapter's environment variables and the HTTP request. Each rule says why a value breaks it
// (or undefined); the caller raises its own error (a ClientError naming the field, a ConfigError
// naming the variable, a 4xx), so one rule never has two wordings.

/** TopicValidator / Validators: topics and groups are made of these characters. */
const NAME = /^[%|a-zA-Z0-9_-]+$/;
const HOST_PORT = /^[^:\s]+:\d{1,5}$/;
/** NamespaceUtil: no "%" in a namespace, it is the separator. */
const NAMESPACE = /^[a-zA-Z0-9_-]+$/;

export function nameProblem(value: unknown, maxLength: number): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') return 'must be a non-blank string';
  if (value.length > maxLength) return `longer than ${maxLength} characters`;
  if (!NAME.test(value)) return `"${value}" has characters outside [%|a-zA-Z0-9_-]`;
  return undefined;
}

export function groupProblem(group: unknown): string | undefined {
  if (group === 'DEFAULT_PRODUCER') return 'DEFAULT_PRODUCER is reserved; name your producer group';
  return nameProblem(group, 255);
}

export function namespaceProblem(namespace: unknown): string | undefined {
  return typeof namespace === 'string' && NAMESPACE.test(namespace) ? undefined : 'must match [a-zA-Z0-9_-]+';
}

/** "a:1;b:2" or a list, as NAMESRV_ADDR and the nameServers option take it. */
export function splitHostPorts(value: string | readonly string[] | undefined): string[] {
  return (typeof value === 'string' ? value.split(';') : [...(value ?? [])]).map((s) => String(s).trim()).filter(Boolean);
}

export function hostPortsProblem(addresses: readonly string[]): string | undefined {
  if (addresses.length === 0) return 'at least one "host:port" is required';
  const bad = addresses.find((a) => !HOST_PORT.test(a));
  return bad === undefined ? undefined : `"${bad}" is not host:port`;
}

export function integerProblem(value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): string | undefined {
  if (Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max) return undefined;
  return max === Number.MAX_SAFE_INTEGER ? `must be an integer >= ${min}` : `must be an integer from ${min} to ${max}`;
}
