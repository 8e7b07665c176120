import fastify from 'fastify';
import { startSignalR, type StandIn } from '@parley/testkit';
import { CHAT_SUBPROTOCOL } from '@parley/contracts';
import { BenchClient } from './bench-client.js';
import type { Target } from './scenario.js';

/**
 * The baseline: the same SignalR emulator with a trivial in-process upstream
 * that accepts every connect and echoes every frame back. The pipeline's cost
 * is its figures divided by these.
 */
export async function startBaseline(): Promise<{ target: Target; stop: () => Promise<void> }> {
  const upstream = fastify();
  upstream.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));
  upstream.post('/api/messages', async (request, reply) => {
    const event = String((request.headers['x-asrs-event'] as string | undefined) ?? '');
    if (event === 'connect') {
      const query = new URLSearchParams(String(request.headers['x-asrs-client-query'] ?? ''));
      return reply.header('x-asrs-user-id', query.get('user') ?? 'anonymous').header('sec-websocket-protocol', CHAT_SUBPROTOCOL).code(200).send();
    }
    if (event === 'message') return reply.header('content-type', 'text/plain').send(request.body);
    return reply.code(200).send();
  });
  await upstream.listen({ host: '127.0.0.1', port: 0 });
  const address = upstream.server.address();
  const upstreamPort = typeof address === 'object' && address ? address.port : 0;
  const signalr: StandIn = await startSignalR({ upstreamUrl: `http://127.0.0.1:${upstreamPort}/api/messages?event={event}` });
  const target: Target = {
    acks: false,
    pids: { 'signalr (baseline)': signalr.child.pid ?? 0 },
    open: (index, scenario) =>
      BenchClient.open(index, `ws://127.0.0.1:${signalr.port}/ws/client/hubs/chat?user=${scenario}-${index}`, CHAT_SUBPROTOCOL),
  };
  return {
    target,
    stop: async () => {
      await signalr.stop();
      await upstream.close();
    },
  };
}
