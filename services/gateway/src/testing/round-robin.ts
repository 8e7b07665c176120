import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { request } from 'undici';
import { WEBPUBSUB_EVENT_HANDLER_PATH } from '@parley/contracts';
import { startWebPubSub, type WebPubSubStandIn } from '@parley/testkit';

/**
 * A round-robin in front of the gateways, as a Kubernetes Service spreads the WebSocket
 * service's calls: one connection's connect, connected, messages and disconnected land on
 * different gateway copies.
 */
export function roundRobin(targets: () => readonly string[]): Server {
  let next = 0;
  return createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const list = targets();
      const target = list[next++ % list.length]!;
      const headers = Object.fromEntries(Object.entries(incoming.headers).filter(([name]) => !['host', 'connection', 'content-length', 'transfer-encoding'].includes(name))) as Record<string, string>;
      const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
      request(`${target}${incoming.url ?? '/'}`, { method: incoming.method as 'POST', headers, ...(body ? { body } : {}) })
        .then(async (answer) => {
          const text = Buffer.from(await answer.body.arrayBuffer());
          const keep = Object.fromEntries(Object.entries(answer.headers).filter(([name]) => !['connection', 'transfer-encoding', 'content-length'].includes(name)));
          outgoing.writeHead(answer.statusCode, keep as Record<string, string>).end(text);
        })
        .catch(() => outgoing.writeHead(502).end());
    });
  });
}

/**
 * The local Web PubSub service whose hub `chat` calls the gateway copies through a round-robin
 * (every system event and every user event), as Azure calls a Kubernetes Service.
 */
export async function webPubSubBehindRoundRobin(targets: () => readonly string[]): Promise<{ proxy: Server; webPubSub: WebPubSubStandIn }> {
  const proxy = roundRobin(targets);
  proxy.listen(0, '127.0.0.1');
  await once(proxy, 'listening');
  const proxyPort = (proxy.address() as { port: number }).port;
  const webPubSub = await startWebPubSub({
    hubs: { chat: [{ UrlTemplate: `http://127.0.0.1:${proxyPort}${WEBPUBSUB_EVENT_HANDLER_PATH}`, SystemEvents: ['connect', 'connected', 'disconnected'], EventPattern: '*' }] },
  });
  return { proxy, webPubSub };
}
