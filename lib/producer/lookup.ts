// Whether a message is stored already, by its UNIQ_KEY: QUERY_MESSAGE with the unique-key flag at
// every master of the topic's route, as the admin tool's queryMsgByUniqueKey does. What a sender
// asks before sending again a message whose first outcome it does not know (a redelivered SQS
// record, an HTTP request retried with its Idempotency-Key). Three answers: stored (with the
// SendResult it had, rebuilt from the stored copy), not stored (every master answered), or not
// known (one did not answer in time): a caller then sends, preferring a recognizable duplicate to
// a loss. The index lags the store by a few ms: a copy stored just now may be missed.
import { parseQueryResponse, queryByUniqueKeyRequest } from '../protocol/query-message.ts';
import { SendStatus } from '../protocol/send.ts';
import type { StoredMessage } from '../protocol/view-message.ts';
import type { RemotingClient } from '../remoting/remoting-client.ts';
import type { RouteCache } from '../route/route-cache.ts';
import { inflateSync } from 'node:zlib';
import { SysFlag, unwrapNamespace, wrapNamespace } from './prepare.ts';
import type { SendResult } from './send-result.ts';

/** The stored copy as its sender would compare it: the SendResult it had, its body (inflated) and properties. */
export type StoredLookup = { stored: SendResult; body: Buffer; properties: Map<string, string> } | { stored: null; known: boolean };

export interface LookupDeps {
  remoting: RemotingClient;
  routes: RouteCache;
  namespace: string | undefined;
  timeoutMs: number;
  /** Whether latency fault tolerance lets a send use the broker now: an isolated one is not asked. */
  available?: (brokerName: string) => boolean;
}

/** The broker's offset message id: store address (IPv4 and port) and commit-log offset, in hex. */
function offsetMsgIdOf(address: string, commitLogOffset: number): string {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
  const parts = host.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p))) return '';
  const bytes = Buffer.alloc(16);
  for (const [i, p] of parts.entries()) bytes.writeUInt8(p & 0xff, i);
  bytes.writeInt32BE(port, 4);
  bytes.writeBigInt64BE(BigInt(commitLogOffset), 8);
  return bytes.toString('hex').toUpperCase();
}

function resultOf(message: StoredMessage, brokerName: string, address: string, namespace: string | undefined): SendResult {
  return {
    status: SendStatus.SEND_OK,
    msgId: message.properties.get('UNIQ_KEY') ?? '',
    offsetMsgId: offsetMsgIdOf(address, message.commitLogOffset),
    queue: { topic: unwrapNamespace(namespace, message.topic), brokerName, queueId: message.queueId },
    queueOffset: message.queueOffset,
    regionId: message.properties.get('MSG_REGION') || 'DefaultRegion',
    traceOn: message.properties.get('TRACE_ON') !== 'false',
  };
}

export async function lookupStored(deps: LookupDeps, topic: string, uniqKey: string, deadline = Number.POSITIVE_INFINITY): Promise<StoredLookup> {
  const wireTopic = wrapNamespace(deps.namespace, topic);
  const timeoutMs = () => Math.max(1, Math.min(deps.timeoutMs, deadline - Date.now()));
  const info = await deps.routes.publishInfo(wireTopic, { deadline: Date.now() + timeoutMs() }).catch(() => undefined);
  if (!info) return { stored: null, known: false };
  const answers = await Promise.all(
    [...info.masters].map(async ([brokerName, address]) => {
      // An isolated broker would take the whole budget to say nothing: not known, so the caller sends.
      if (deps.available && !deps.available(brokerName)) return undefined;
      try {
        const response = await deps.remoting.invoke(address, queryByUniqueKeyRequest(wireTopic, uniqKey), timeoutMs());
        // The copy in the topic itself: a timer or half message's first copy sits in a system topic.
        const copy = parseQueryResponse(response, address, uniqKey).find((m) => m.topic === wireTopic);
        if (!copy) return null;
        const body = copy.sysFlag & SysFlag.COMPRESSED ? inflateSync(copy.body) : copy.body;
        return { stored: resultOf(copy, brokerName, address, deps.namespace), body, properties: copy.properties };
      } catch {
        return undefined;
      }
    }),
  );
  const found = answers.find((a) => a);
  if (found) return found;
  return { stored: null, known: answers.every((a) => a === null) };
}
