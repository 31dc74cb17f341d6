// One trace message to the trace topic (AsyncTraceDispatcher.sendTraceDataByMQ): a queue of the
// trace topic's route, on a broker not isolated when there is one, round robin; one attempt on
// behalf of the trace group Java uses ("_INNER_TRACE_PRODUCER-<group>-PRODUCE"). It runs outside
// the send loop on purpose: no retry, no hook, no isolation, no send counter; a trace that fails
// is the tracer's to count.
import { rocketError } from '../errors.ts';
import { decodeSendResponse, parseSendResponse } from '../protocol/send.ts';
import type { RemotingClient } from '../remoting/remoting-client.ts';
import type { RouteCache } from '../route/route-cache.ts';
import type { TraceMessage } from '../trace/trace-data.ts';
import { sendRequestFor, vipChannel } from './attempt.ts';
import type { LatencyFaultTolerance } from './fault-tolerance.ts';
import type { ResolvedOptions } from './options.ts';
import { prepareMessage, type PrepareSettings } from './prepare.ts';

export interface TraceSendDeps {
  options: ResolvedOptions;
  remoting: RemotingClient;
  routes: RouteCache;
  faults: LatencyFaultTolerance | null;
  settings: PrepareSettings;
}

let turn = 0;

export async function sendTraceMessage(deps: TraceSendDeps, trace: TraceMessage, timeoutMs: number): Promise<void> {
  const { options: o } = deps;
  const topic = o.messageTrace!.topic;
  const end = Date.now() + timeoutMs;
  const info = await deps.routes.publishInfo(topic, { deadline: end });
  const open = info.messageQueues.filter((q) => deps.faults?.isAvailable(q.brokerName) ?? true);
  const queues = open.length > 0 ? open : info.messageQueues;
  const queue = queues[turn++ % queues.length];
  let address = queue && info.masters.get(queue.brokerName);
  if (!queue || !address) throw rocketError('BROKER_NOT_EXIST_EXCEPTION', `no broker of ${topic} to send the trace to`, { topic });
  if (o.vipChannelEnabled) address = vipChannel(address);
  const body = Buffer.from(trace.body, 'utf8');
  // The trace topic is used as named: the trace producer of the Java client adds no namespace.
  const prepared = prepareMessage({ topic, body, keys: trace.keys }, body, { ...deps.settings, namespace: undefined });
  const group = `_INNER_TRACE_PRODUCER-${o.producerGroup}-PRODUCE`;
  const response = await deps.remoting.invoke(address, sendRequestFor(o, prepared, queue, group), Math.max(1, end - Date.now()));
  parseSendResponse(decodeSendResponse(response), address, topic);
}
