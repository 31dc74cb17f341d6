// A deliberately naive RocketMQ remoting client: one request per connection, JSON header, no reuse.
// The stack uses it to check readiness; tests use it as an independent second implementation of
// the frame layout, so it shares no code with lib/.
//
// Frame: int32 length (of everything after it) | byte serializeType (0 = JSON) | int24 headerLength
//        | header | body
// Clusters with TLS or ACL are reached the same way: over node:tls, and with the request signed as
// the Java AclClientRPCHook signs it (written again here, not imported from lib/).
import { createHmac } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions as TlsOptions } from 'node:tls';

export interface ProbeResponse {
  code: number;
  remark?: string;
  extFields: Record<string, string>;
  body: Buffer;
}

export function buildJsonFrame(header: object, body: Buffer = Buffer.alloc(0)): Buffer {
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const prefix = Buffer.alloc(8);
  prefix.writeInt32BE(4 + headerBytes.length + body.length, 0);
  prefix.writeUInt32BE(headerBytes.length, 4); // serialize type 0 in the top byte
  return Buffer.concat([prefix, headerBytes, body]);
}

/** How a probe reaches a server: plain TCP unless `tls` is given; unsigned unless `credentials` are. */
export interface ProbeVia {
  tls?: Pick<TlsOptions, 'ca' | 'cert' | 'key' | 'rejectUnauthorized'>;
  credentials?: { accessKey: string; secretKey: string };
}

/**
 * ACL signature (AclClientRPCHook): AccessKey joins the ext fields; the values, sorted by key in
 * Java String order, are concatenated with the body after them; HmacSHA1 with the secret, Base64.
 */
export function signFields(extFields: Record<string, string>, credentials: { accessKey: string; secretKey: string }, body?: Buffer): Record<string, string> {
  const fields: Record<string, string> = { ...extFields, AccessKey: credentials.accessKey };
  const hmac = createHmac('sha1', credentials.secretKey);
  for (const key of Object.keys(fields).sort()) hmac.update(fields[key]!, 'utf8');
  if (body) hmac.update(body);
  return { ...fields, Signature: hmac.digest('base64') };
}

/** Sends one request and resolves with the first whole frame that comes back. */
export function probe(
  address: string,
  code: number,
  extFields: Record<string, string> = {},
  timeoutMs = 3000,
  version = 479,
  via: ProbeVia = {},
): Promise<ProbeResponse> {
  const [host, port] = splitAddress(address);
  const fields = via.credentials ? signFields(extFields, via.credentials) : extFields;
  const frame = buildJsonFrame({ code, language: 'JAVA', version, opaque: 1, flag: 0, extFields: fields });
  return new Promise((resolve, reject) => {
    let received = Buffer.alloc(0);
    const socket: Socket = via.tls ? tlsConnect({ host, port, ...via.tls }) : connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer from ${address} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on(via.tls ? 'secureConnect' : 'connect', () => socket.write(frame));
    socket.on('close', () => {
      clearTimeout(timer);
      reject(new Error(`${address} closed the connection without answering`));
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 4 || received.length < 4 + received.readInt32BE(0)) return;
      clearTimeout(timer);
      socket.destroy();
      const length = received.readInt32BE(0);
      const typeAndHeaderLength = received.readUInt32BE(4);
      if (typeAndHeaderLength >>> 24 !== 0) {
        reject(new Error(`probe reads JSON headers only, got serialize type ${typeAndHeaderLength >>> 24}`));
        return;
      }
      const headerLength = typeAndHeaderLength & 0xffffff;
      const header = JSON.parse(received.subarray(8, 8 + headerLength).toString('utf8'));
      resolve({
        code: header.code,
        remark: header.remark,
        extFields: header.extFields ?? {},
        body: received.subarray(8 + headerLength, 4 + length),
      });
    });
  });
}

export function splitAddress(address: string): [string, number] {
  const at = address.lastIndexOf(':');
  return [address.slice(0, at), Number(address.slice(at + 1))];
}

/** Quotes the bare numeric map keys fastjson writes by default (`{0:"host:port"}`). */
export function quoteNumericKeys(json: string): string {
  return json.replace(/([{,])(-?\d+):/g, '$1"$2":');
}

export interface ClusterView {
  /** cluster name -> broker names */
  clusters: Record<string, string[]>;
  /** broker name -> broker id -> address */
  brokers: Record<string, Record<string, string>>;
}

/** GET_BROKER_CLUSTER_INFO (106): which brokers have registered with the name server. */
export async function clusterInfo(nameServer: string, timeoutMs = 3000, via: ProbeVia = {}): Promise<ClusterView> {
  const response = await probe(nameServer, 106, {}, timeoutMs, 479, via);
  if (response.code !== 0) throw new Error(`cluster info: code ${response.code} ${response.remark ?? ''}`);
  const parsed = JSON.parse(quoteNumericKeys(response.body.toString('utf8')));
  const brokers: ClusterView['brokers'] = {};
  for (const [name, data] of Object.entries<{ brokerAddrs: Record<string, string> }>(parsed.brokerAddrTable ?? {})) {
    brokers[name] = data.brokerAddrs;
  }
  return { clusters: parsed.clusterAddrTable ?? {}, brokers };
}

export interface ProbeRoute {
  queueDatas: { brokerName: string; readQueueNums: number; writeQueueNums: number; perm: number }[];
  brokerDatas: { brokerName: string; cluster: string; brokerAddrs: Record<string, string> }[];
}

/** GET_ROUTEINFO_BY_TOPIC (105) in standard JSON; null when the name server has no such topic. */
export async function topicRoute(nameServer: string, topic: string, timeoutMs = 3000, via: ProbeVia = {}): Promise<ProbeRoute | null> {
  const response = await probe(nameServer, 105, { topic, acceptStandardJsonOnly: 'true' }, timeoutMs, 479, via);
  if (response.code === 17) return null;
  if (response.code !== 0) throw new Error(`route of ${topic}: code ${response.code} ${response.remark ?? ''}`);
  return JSON.parse(response.body.toString('utf8')) as ProbeRoute;
}
