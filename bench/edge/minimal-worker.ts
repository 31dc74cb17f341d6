// The smallest Worker that publishes: withEdgeProducer and one send, nothing else. bench/edge.ts
// bundles it to show what the producer alone weighs against the Workers size limits.
import { withEdgeProducer } from '../../lib/edge.ts';

export default {
  fetch: (request: Request, env: { NAMESRV_ADDR: string }) =>
    withEdgeProducer({ nameServers: env.NAMESRV_ADDR, producerGroup: 'edge' }, async (producer) => {
      const result = await producer.send({ topic: 'TopicTest', body: await request.text() });
      return Response.json({ msgId: result.msgId });
    }),
};
