// Certificates for a TLS cluster, made with openssl when the cluster starts and thrown away with
// its folder: a CA, a server certificate it signed for 127.0.0.1 and localhost, a client
// certificate for mutual TLS, and a second, unrelated CA that must not be trusted. Keys are PKCS#8
// PEM, the only form Netty's SslContextBuilder reads ("Input stream does not contain valid
// private key" otherwise).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StackError } from './errors.ts';
import { requireCommand } from './processes.ts';

export interface CertificateFiles {
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  otherCa: string;
}

export interface Certificates {
  /** Where each PEM file is, for the servers' tls.properties. */
  files: CertificateFiles;
  /** The PEM text of each, for clients. */
  pem: CertificateFiles;
}

export function makeCertificates(dir: string): Certificates {
  requireCommand('openssl', 'openssl is needed to make the certificates of a TLS cluster');
  mkdirSync(dir, { recursive: true });
  const openssl = (...args: string[]) => {
    try {
      execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    } catch (err) {
      throw new StackError(`openssl ${args.slice(0, 2).join(' ')} failed: ${String((err as { stderr?: Buffer }).stderr ?? err)}`);
    }
  };
  for (const ca of ['ca', 'other-ca']) {
    openssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${ca}.key`,
      '-out',
      `${ca}.pem`,
      '-days',
      '7',
      '-subj',
      `/CN=rocketmq-lambda test ${ca}`,
    );
  }
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const [name, subject] of [
    ['server', '/CN=localhost'],
    ['client', '/CN=rocketmq-lambda producer'],
  ] as const) {
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.rsa.key`, '-out', `${name}.csr`, '-subj', subject);
    openssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.pem`,
      '-days',
      '7',
      '-extfile',
      `${name}.ext`,
    );
    openssl('pkcs8', '-topk8', '-nocrypt', '-in', `${name}.rsa.key`, '-out', `${name}.key`);
  }
  const files: CertificateFiles = {
    ca: join(dir, 'ca.pem'),
    serverCert: join(dir, 'server.pem'),
    serverKey: join(dir, 'server.key'),
    clientCert: join(dir, 'client.pem'),
    clientKey: join(dir, 'client.key'),
    otherCa: join(dir, 'other-ca.pem'),
  };
  const pem = Object.fromEntries(Object.entries(files).map(([k, path]) => [k, readFileSync(path, 'utf8')])) as unknown as CertificateFiles;
  return { files, pem };
}
