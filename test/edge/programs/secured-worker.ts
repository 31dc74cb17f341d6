// A Worker for secured clusters (test/clusters/edge-secured.test.ts): POST /send with a JSON list
// of messages sends them with one producer, inside the request, to the name servers of the
// NAMESRV_ADDR binding, over TLS when ROCKETMQ_TLS is "true" (the certificate checked against
// workerd's trusted list and the host connected to) and signed with the ROCKETMQ_ACCESS_KEY /
// ROCKETMQ_SECRET_KEY bindings (secrets in a deployment). It answers the send results, or the
// typed error of the first send that failed: code, retriable, attempts, the server's own code.
import { type Message, RocketMQError, type SendError } from '../../../lib/index.ts';
import { type ProducerStats, withEdgeProducer } from '../../../lib/edge.ts';

interface Env {
  NAMESRV_ADDR: string;
  ROCKETMQ_TLS?: string;
  ROCKETMQ_ACCESS_KEY?: string;
  ROCKETMQ_SECRET_KEY?: string;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const messages = (await request.json()) as Message[];
    let stats: ProducerStats | undefined;
    const options = {
      nameServers: env.NAMESRV_ADDR,
      producerGroup: 'edge-secured',
      tls: env.ROCKETMQ_TLS === 'true',
      ...(env.ROCKETMQ_ACCESS_KEY ? { credentials: { accessKey: env.ROCKETMQ_ACCESS_KEY, secretKey: env.ROCKETMQ_SECRET_KEY ?? '' } } : {}),
      onClosed: (final: ProducerStats) => (stats = final),
    };
    try {
      const results = await withEdgeProducer(options, async (producer) => {
        const sent = [];
        for (const message of messages) sent.push(await producer.send(message));
        return sent;
      });
      return Response.json({ results: results.map(({ status, msgId, offsetMsgId, queue }) => ({ status, msgId, offsetMsgId, queue })), stats });
    } catch (err) {
      if (!(err instanceof RocketMQError)) return Response.json({ error: { message: String(err) }, stats }, { status: 500 });
      const { codeName, retriable, context, message } = err;
      return Response.json(
        { error: { codeName, retriable, attempts: (err as SendError).attempts, responseCode: context.responseCode, message }, stats },
        { status: 500 },
      );
    }
  },
};
