// Certificates for TLS tests, made with openssl in a temporary folder and never kept: a CA the
// client trusts, a server certificate it signed (127.0.0.1 and localhost), a client certificate
// for mutual TLS, and an unrelated CA a client should not accept. Keys are PKCS#8, as Netty wants.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCertificates {
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  otherCa: string;
  /** A server certificate for 127.0.0.1 signed by the other CA. */
  otherServerCert: string;
  otherServerKey: string;
}

export function makeCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'tls-certs-'));
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const read = (name: string) => readFileSync(join(dir, name), 'utf8');
  try {
    for (const ca of ['ca', 'other-ca']) {
      openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${ca}.key`, '-out', `${ca}.pem`, '-days', '2', '-subj', `/CN=${ca}`);
    }
    writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
    writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
    writeFileSync(join(dir, 'other-server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
    for (const [name, subject, ca] of [
      ['server', '/CN=localhost', 'ca'],
      ['client', '/CN=producer', 'ca'],
      ['other-server', '/CN=localhost', 'other-ca'],
    ] as const) {
      openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
      openssl(
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        `${ca}.pem`,
        '-CAkey',
        `${ca}.key`,
        '-CAcreateserial',
        '-out',
        `${name}.pem`,
        '-days',
        '2',
        '-extfile',
        `${name}.ext`,
      );
      openssl('pkcs8', '-topk8', '-nocrypt', '-in', `${name}.key`, '-out', `${name}.pk8`);
    }
    return {
      ca: read('ca.pem'),
      serverCert: read('server.pem'),
      serverKey: read('server.pk8'),
      clientCert: read('client.pem'),
      clientKey: read('client.pk8'),
      otherCa: read('other-ca.pem'),
      otherServerCert: read('other-server.pem'),
      otherServerKey: read('other-server.pk8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
