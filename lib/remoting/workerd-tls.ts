// TLS as Cloudflare's workerd gives it through node:tls (nodejs_compat), as tried in workerd
// 1.20261123.1: a plain socket upgraded to TLS (as the producer does in Node) connects, but a
// failed handshake on it is never reported (the connect times out); a socket opened as TLS
// reports it at once (./connection.ts opens it so, and tells the failure apart). It trusts only
// the runtime's own CA list (a Worker's is the public one; workerd's network service may add
// trustedCertificates), checks the certificate against the host it connects to, and sends no
// client certificate: `ca`, `cert`, `key` and `servername` are ignored without a word, and
// `rejectUnauthorized: false` throws ERR_OPTION_NOT_IMPLEMENTED. A failed handshake is reported
// as "proxy request failed, cannot connect to the specified address", the same words as for an
// address the runtime refuses to reach.

/** True inside workerd (a Cloudflare Worker, or workerd serving one locally). */
export const IN_WORKERD = (globalThis as { navigator?: { userAgent?: unknown } }).navigator?.userAgent === 'Cloudflare-Workers';

/** The TLS settings this checks, by name (TlsSettings of ./connection.ts, which imports this file). */
interface Settings {
  ca?: unknown;
  cert?: unknown;
  key?: unknown;
  passphrase?: unknown;
  servername?: unknown;
  rejectUnauthorized?: boolean;
}

/** Why workerd cannot honour one of `settings`: the setting and the reason, or undefined. */
export function workerdTlsProblem(settings: Settings): { field: keyof Settings; detail: string } | undefined {
  if (settings.ca !== undefined) return { field: 'ca', detail: "workerd trusts only its own CA list; the servers' certificates must chain to a public CA" };
  if (settings.cert !== undefined || settings.key !== undefined || settings.passphrase !== undefined) {
    return {
      field: settings.cert !== undefined ? 'cert' : settings.key !== undefined ? 'key' : 'passphrase',
      detail: 'workerd sends no client certificate: mutual TLS cannot be done from a Worker',
    };
  }
  if (settings.servername !== undefined)
    return { field: 'servername', detail: 'workerd checks the certificate against the host it connects to: connect by that name' };
  if (settings.rejectUnauthorized === false) return { field: 'rejectUnauthorized', detail: 'workerd cannot turn certificate checks off' };
  return undefined;
}

/** What workerd says of a TLS connection that failed in its handshake, or to an address it may not reach. */
export const WORKERD_TLS_FAILURE = 'proxy request failed, cannot connect to the specified address';
