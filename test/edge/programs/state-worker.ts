// A Worker whose routes and broker isolations live in DynamoDB, as docs/edge.md shows it:
// withEdgeProducer with edgeDynamoDbState (the AWS SDK over fetch(), credentials and region from
// the bindings). GET /send?topic=&count= sends `count` messages with one producer, inside the
// request, and answers where each was stored and what the producer counted (route lookups,
// attempts, sockets, its calls to DynamoDB).
import { edgeDynamoDbState } from '../../../lib/dynamodb.ts';
import { type ProducerStats, withEdgeProducer } from '../../../lib/edge.ts';

interface Env {
  NAMESRV_ADDR: string;
  STATE_TABLE: string;
  STATE_SCOPE: string;
  AWS_ACCESS_KEY_ID: string;
  AWS_SECRET_ACCESS_KEY: string;
  AWS_REGION: string;
  AWS_ENDPOINT_URL_DYNAMODB?: string;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const query = new URL(request.url).searchParams;
    const topic = query.get('topic') ?? 'TopicTest';
    const count = Number(query.get('count') ?? '1');
    let stats: ProducerStats | undefined;
    try {
      const sharedState = edgeDynamoDbState(env, { tableName: env.STATE_TABLE, scope: env.STATE_SCOPE });
      const options = { nameServers: env.NAMESRV_ADDR, producerGroup: 'edge-state', sharedState, onClosed: (final: ProducerStats) => (stats = final) };
      const brokers = await withEdgeProducer(options, async (producer) => {
        const stored: string[] = [];
        for (let i = 0; i < count; i++) stored.push((await producer.send({ topic, body: `shared state #${i}` })).queue.brokerName);
        return stored;
      });
      return Response.json({ brokers, stats });
    } catch (err) {
      const { name, message } = err as Error;
      return Response.json({ error: { name, code: (err as { codeName?: string }).codeName, message }, stats }, { status: 500 });
    }
  },
};
