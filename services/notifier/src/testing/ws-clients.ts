import Fastify from 'fastify';
import { WebSocket } from 'ws';
import { clientPath, unpackServerFrames, verifySignature } from '@parley/contracts';
import { eventually } from '@parley/testkit';

/**
 * A tiny upstream for the SignalR emulator: connect binds the user named by
 * `?user=` and answers a `hello` frame carrying the connection id, so a test
 * learns which connection id the service gave its client.
 */
export async function startHelloUpstream(accessKey: string): Promise<{ url: string; close(): Promise<void> }> {
  const app = Fastify({ logger: false });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.post('/api/messages', async (req, reply) => {
    const connectionId = String(req.headers['x-asrs-connection-id'] ?? '');
    if (!verifySignature(req.headers['x-asrs-signature'] as string | undefined, connectionId, [accessKey])) return reply.code(401).send();
    if (req.headers['x-asrs-event'] !== 'connect') return reply.code(200).send();
    const user = new URLSearchParams(String(req.headers['x-asrs-client-query'] ?? '')).get('user') ?? 'anonymous';
    return reply.code(200).header('x-asrs-user-id', user).header('content-type', 'application/json').send(JSON.stringify({ type: 'hello', user, connectionId }));
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { url: `${url}/api/messages?event={event}`, close: () => app.close() };
}

export interface ChatSocket {
  readonly user: string;
  readonly connectionId: string;
  /** Every parsed text frame after `hello`, a batch's frames one by one. */
  readonly frames: Array<Record<string, unknown>>;
  readonly closed: () => { code: number; reason: string } | undefined;
  waitForFrame(predicate: (frame: Record<string, unknown>) => boolean, what: string): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

/** A real ws client of the emulator, signed in as `user`; resolves after its `hello`. */
export async function openChatSocket(serviceBaseUrl: string, hub: string, user: string): Promise<ChatSocket> {
  const url = `${serviceBaseUrl.replace(/^http/, 'ws')}${clientPath(hub)}?user=${encodeURIComponent(user)}`;
  const ws = new WebSocket(url);
  const frames: Array<Record<string, unknown>> = [];
  let hello: { connectionId: string } | undefined;
  let closed: { code: number; reason: string } | undefined;
  ws.on('message', (data, isBinary) => {
    if (isBinary) return;
    // A batch frame's frames count as if each had arrived alone, in order.
    for (const frame of unpackServerFrames(JSON.parse(data.toString())) as Array<Record<string, unknown>>) {
      if (frame.type === 'hello' && !hello) hello = { connectionId: String(frame.connectionId) };
      else frames.push(frame);
    }
  });
  ws.on('close', (code, reason) => (closed = { code, reason: reason.toString() }));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const { connectionId } = await eventually(() => hello, `hello for ${user}`);
  return {
    user,
    connectionId,
    frames,
    closed: () => closed,
    waitForFrame: (predicate, what) => eventually(() => frames.find(predicate), `${user} to receive ${what}`),
    async close() {
      if (ws.readyState === WebSocket.CLOSED) return;
      ws.close();
      await eventually(() => closed, `${user}'s socket to close`);
    },
  };
}
