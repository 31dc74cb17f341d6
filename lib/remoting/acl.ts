// ACL request signing (AclClientRPCHook), the same for ACL 1.0 (4.x) and 2.0 (5.3):
// add AccessKey (and SecurityToken when there is one) to extFields, sort every ext field by key
// in Java String order (UTF-16 units: upper case before lower case), concatenate the values with
// no separator, append the raw body, HmacSHA1 with the secret key, Base64 into Signature.
import { createHmac } from 'node:crypto';
import type { RequestCommand } from './command.ts';

export interface AclCredentials {
  accessKey: string;
  secretKey: string;
  securityToken?: string;
}

export function signRequest(command: RequestCommand, credentials: AclCredentials): RequestCommand {
  const extFields: Record<string, string> = { ...command.extFields, AccessKey: credentials.accessKey };
  if (credentials.securityToken) extFields.SecurityToken = credentials.securityToken;
  delete extFields.Signature;
  const keys = Object.keys(extFields).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const hmac = createHmac('sha1', Buffer.from(credentials.secretKey, 'utf8'));
  for (const key of keys) hmac.update(Buffer.from(extFields[key]!, 'utf8'));
  if (command.body) hmac.update(command.body);
  extFields.Signature = hmac.digest('base64');
  return { ...command, extFields };
}
