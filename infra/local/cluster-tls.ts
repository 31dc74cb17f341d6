// TLS for a test cluster. RocketMQ reads its TLS switches only from JVM system properties
// (TlsSystemConfig): `tls.server.mode` decides what the server accepts, `tls.enable` makes its own
// client (a broker registering with the name servers, the admin tool) speak TLS, and every other key
// may sit in the file `tls.config.file` names, which is what this writes.
//   permissive  test mode: a self-signed certificate made at each start; TLS and plaintext accepted
//   enforcing   our CA's server certificate; plaintext connections are closed
//   mutual      enforcing, and a client certificate signed by our CA is required and verified
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeCertificates, type Certificates } from './certs.ts';
import type { ProbeVia } from './probe.ts';

export const TLS_MODES = ['permissive', 'enforcing', 'mutual'] as const;
export type TlsMode = (typeof TLS_MODES)[number];

export interface TlsSetup {
  serverProps: string[];
  adminProps: string[];
  via: ProbeVia;
  /** Present unless the servers run in test mode with their own self-signed certificates. */
  certificates: Certificates | undefined;
}

export function tlsSetup(mode: TlsMode, dir: string): TlsSetup {
  const file = join(dir, 'tls.properties');
  if (mode === 'permissive') {
    writeFileSync(file, 'tls.test.mode.enable=true\n');
    return {
      serverProps: ['-Dtls.server.mode=permissive', `-Dtls.config.file=${file}`],
      adminProps: [],
      via: {},
      certificates: undefined,
    };
  }
  const certificates = makeCertificates(join(dir, 'certs'));
  const { files, pem } = certificates;
  const lines = [
    'tls.test.mode.enable=false',
    `tls.server.certPath=${files.serverCert}`,
    `tls.server.keyPath=${files.serverKey}`,
    // The servers' own clients (broker -> name server, admin tool -> both) trust any server, as
    // the Java client does by default; only what this stack's checks and the tests verify matters.
    'tls.client.authServer=false',
  ];
  if (mode === 'mutual') {
    lines.push(
      'tls.server.need.client.auth=require',
      'tls.server.authClient=true',
      `tls.server.trustCertPath=${files.ca}`,
      `tls.client.certPath=${files.clientCert}`,
      `tls.client.keyPath=${files.clientKey}`,
    );
  } else {
    lines.push('tls.server.need.client.auth=none');
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
  const clientProps = ['-Dtls.enable=true', `-Dtls.config.file=${file}`];
  return {
    // An enforcing broker's client must reach an enforcing name server: tls.enable makes it use TLS.
    serverProps: [`-Dtls.server.mode=enforcing`, ...clientProps],
    adminProps: clientProps,
    via: { tls: { ca: pem.ca, ...(mode === 'mutual' ? { cert: pem.clientCert, key: pem.clientKey } : {}) } },
    certificates,
  };
}
