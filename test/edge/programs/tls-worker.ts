// A Worker for TLS in workerd: GET /route?address=&topic= starts a producer with `tls: true` whose
// name server is `address`, asks it for the route of `topic`, and answers the broker names; GET
// /refusals answers what createProducer says of each TLS setting workerd cannot honour.
import { createProducer, RocketMQError, type TlsSettings } from '../../../lib/index.ts';

const UNHONOURED: TlsSettings[] = [{ ca: 'any PEM' }, { cert: 'a PEM', key: 'its key' }, { servername: 'broker.example' }, { rejectUnauthorized: false }];

async function route(address: string, topic: string): Promise<unknown> {
  const producer = createProducer({ nameServers: address, producerGroup: 'edge-tls', tls: true, connectTimeoutMs: 2000, mqClientApiTimeout: 2000 });
  await producer.start();
  try {
    const found = await producer.lookupRoute(topic);
    return { brokers: (found?.brokerDatas ?? []).map((b) => b.brokerName).sort() };
  } finally {
    await producer.shutdown();
  }
}

function refusals(): unknown[] {
  return UNHONOURED.map((tls) => {
    try {
      createProducer({ nameServers: '127.0.0.1:9876', producerGroup: 'edge-tls', tls }).shutdown();
      return { tls: Object.keys(tls), accepted: true };
    } catch (err) {
      return { tls: Object.keys(tls), code: (err as RocketMQError).codeName, field: (err as RocketMQError).context.field };
    }
  });
}

export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    try {
      if (url.pathname === '/refusals') return Response.json(refusals());
      if (url.pathname === '/route') return Response.json(await route(url.searchParams.get('address')!, url.searchParams.get('topic') ?? 'TopicTest'));
      return new Response('not found', { status: 404 });
    } catch (err) {
      const error = err instanceof RocketMQError ? { code: err.codeName, message: err.message } : { message: String(err) };
      return Response.json({ error }, { status: 500 });
    }
  },
};
