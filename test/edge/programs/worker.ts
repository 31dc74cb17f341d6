// A Cloudflare Worker (workerd, `nodejs_compat`): GET /send?nameServer=&topic=&run=&count= starts
// a producer, sends, shuts it down and answers the SampleResult as JSON, all inside the request:
// Workers let no socket be opened at global scope nor outlive or be shared across requests, so
// there is no warm producer here. A failure answers 500 with the error's name, code and message.
import { sendSample } from './send-sample.ts';

export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname !== '/send') return new Response('not found', { status: 404 });
    const query = url.searchParams;
    try {
      const result = await sendSample({
        nameServer: query.get('nameServer') ?? '127.0.0.1:19876',
        topic: query.get('topic') ?? 'TopicTest',
        run: query.get('run') ?? 'workerd',
        runtime: 'workerd',
        count: Number(query.get('count') ?? '3'),
      });
      return Response.json(result);
    } catch (err) {
      const { name, message, stack } = err as Error & { code?: string };
      return Response.json({ error: { name, code: (err as { code?: string }).code, message, stack } }, { status: 500 });
    }
  },
};
