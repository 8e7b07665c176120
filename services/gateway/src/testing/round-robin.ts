import { createServer, type Server } from 'node:http';
import { request } from 'undici';

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
