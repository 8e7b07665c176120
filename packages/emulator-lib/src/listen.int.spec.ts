import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { listenOn } from './listen.js';

const servers: Server[] = [];
const server = () => {
  const s = createServer();
  servers.push(s);
  return s;
};
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => (s.listening ? s.close(() => resolve()) : resolve()))));
});

describe('listenOn', () => {
  it('resolves to the free port it picked for 0, and the server accepts there', async () => {
    const s = server();
    const port = await listenOn(s, '127.0.0.1', 0);
    expect(port).toBeGreaterThan(0);
    expect(s.address()).toMatchObject({ address: '127.0.0.1', port });
  });

  it('rejects with EADDRINUSE when the port is taken, and leaves no error listener behind', async () => {
    const port = await listenOn(server(), '127.0.0.1', 0);
    const second = server();
    await expect(listenOn(second, '127.0.0.1', port)).rejects.toMatchObject({ code: 'EADDRINUSE' });
    expect(second.listenerCount('error')).toBe(0);
  });

  it('leaves no error listener behind once listening', async () => {
    const s = server();
    await listenOn(s, '127.0.0.1', 0);
    expect(s.listenerCount('error')).toBe(0);
  });
});
