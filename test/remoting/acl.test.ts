// ACL signature, checked against the algorithm spelled out by hand (AclClientRPCHook).
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signRequest } from '../../lib/internal.ts';

describe('ACL request signing', () => {
  it('signs the values of all ext fields sorted in Java String order, then the body', () => {
    const signed = signRequest(
      { code: 310, extFields: { b: 'topic', a: 'group', Z: 'upper' }, body: Buffer.from('body') },
      { accessKey: 'AK', secretKey: 'secret' },
    );

    // Sorted keys: AccessKey, Z, a, b (upper case sorts before lower case).
    const expected = createHmac('sha1', 'secret').update('AKuppergrouptopicbody').digest('base64');
    expect(signed.extFields).toEqual({ b: 'topic', a: 'group', Z: 'upper', AccessKey: 'AK', Signature: expected });
  });

  it('includes a security token when there is one, and never signs an old signature', () => {
    const signed = signRequest({ code: 105, extFields: { topic: 'T', Signature: 'old' } }, { accessKey: 'AK', secretKey: 's', securityToken: 'tok' });

    const expected = createHmac('sha1', 's').update('AKtokT').digest('base64');
    expect(signed.extFields.Signature).toBe(expected);
    expect(signed.extFields.SecurityToken).toBe('tok');
  });
});
