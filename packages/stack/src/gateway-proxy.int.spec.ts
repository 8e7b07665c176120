import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '@parley/testkit';
import { GatewayProxy } from './gateway-proxy.js';

/** A stand-in gateway copy: answers with its name and echoes the body it got. */
async function copy(name: string): Promise<{ server: Server; port: number }> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => response.end(`${name} ${request.method} ${request.url} ${Buffer.concat(chunks).toString()}`));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as { port: number }).port };
}

describe('GatewayProxy (the gateways\' one port)', () => {
  const closers: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });
  const start = async () => {
    const proxy = await GatewayProxy.listen(await freePort());
    closers.push(() => proxy.close());
    return proxy;
  };
  const started = async (name: string) => {
    const c = await copy(name);
    closers.push(() => new Promise((resolve) => c.server.close(resolve)));
    return c;
  };
  const post = async (proxy: GatewayProxy, path: string, body: string) => {
    const response = await fetch(`http://127.0.0.1:${proxy.port}${path}`, { method: 'POST', body });
    return { status: response.status, text: await response.text() };
  };

  it('sends each request to the next copy in turn, with its method, path and body', async () => {
    const proxy = await start();
    const [a, b] = [await started('a'), await started('b')];
    proxy.add('gateway-1', a.port);
    proxy.add('gateway-2', b.port);
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push((await post(proxy, `/api/messages?event=message&i=${i}`, `body ${i}`)).text);
    expect(answers).toEqual([
      'a POST /api/messages?event=message&i=0 body 0',
      'b POST /api/messages?event=message&i=1 body 1',
      'a POST /api/messages?event=message&i=2 body 2',
      'b POST /api/messages?event=message&i=3 body 3',
    ]);
  });

  it('sends a request refused by a dead copy to the next one, and stops sending to a removed one', async () => {
    const proxy = await start();
    const alive = await started('alive');
    proxy.add('gateway-1', await freePort()); // nothing listens: a copy killed without notice
    proxy.add('gateway-2', alive.port);
    for (let i = 0; i < 3; i++) expect(await post(proxy, '/x', String(i))).toEqual({ status: 200, text: `alive POST /x ${i}` });
    proxy.remove('gateway-2');
    expect(proxy.members).toEqual(['gateway-1']);
    expect(await post(proxy, '/x', 'late')).toEqual({ status: 503, text: 'no gateway copy is running\n' });
  });
});
