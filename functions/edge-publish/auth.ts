// Who may publish through the Worker: a caller presenting `Authorization: Bearer <PUBLISH_TOKEN>`,
// the token a Workers secret holds. No token configured refuses every request (503, the deployment
// is not ready), never lets one through. The comparison takes the same time whatever the tokens
// share: both are hashed (SHA-256, so their lengths are hidden too) and the digests compared whole.
import { RequestError } from '../../lib/lambda/functions-kit.ts';

const BEARER = /^Bearer +([\x21-\x7e]+) *$/i;

async function digest(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
}

/** Equal digests, read to the end whatever byte differs first. */
export async function sameSecret(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([digest(given), digest(expected)]);
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a[i]! ^ b[i]!;
  return difference === 0;
}

/** Throws the refusal of a request without the configured bearer token. */
export async function authorize(authorization: string | null, token: string | undefined): Promise<void> {
  if (!token) throw new RequestError('AUTH_NOT_CONFIGURED', undefined);
  const presented = authorization === null ? undefined : BEARER.exec(authorization)?.[1];
  const challenge = { 'www-authenticate': 'Bearer realm="rocketmq-publish"' };
  if (presented === undefined) throw new RequestError('UNAUTHORIZED', 'authorization', 'send Authorization: Bearer <token>', challenge);
  if (!(await sameSecret(presented, token))) throw new RequestError('UNAUTHORIZED', 'authorization', 'the token is not the one configured', challenge);
}
