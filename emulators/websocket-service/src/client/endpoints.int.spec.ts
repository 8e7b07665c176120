import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openClient, refusedStatus } from '../testing/clients.js';
import { startPair, type Pair } from '../testing/emulator.js';
import { defaultHandler } from '../testing/test-upstream.js';

describe('client endpoints', () => {
  let pair: Pair;
  beforeAll(async () => {
    pair = await startPair({ limits: { maxFrameBytes: 64 * 1024 } });
  });
  afterAll(() => pair.close());

  beforeEach(() => {
    pair.upstream.handler = defaultHandler;
  });

  it.each([
    ['/ws/client?hub=alpha&user=u1', 'alpha', false],
    ['/ws/client?hub=beta&format=binary', 'beta', true],
    ['/ws/client/hubs/gamma', 'gamma', false],
    ['/ws/client/hubs/delta?format=binary', 'delta', true],
    ['/ws/client/hubs/eps/formats/text', 'eps', false],
    ['/ws/client/hubs/zeta/formats/binary', 'zeta', true],
  ])('%s reaches hub %s (binary format: %s)', async (path, hub, binary) => {
    const client = await openClient(`${pair.ws}${path}`);
    const connect = await pair.upstream.waitForCall((c) => c.event === 'connect' && c.headers['x-asrs-hub'] === hub);
    expect(connect.headers['x-asrs-client-query']).toBe(path.split('?')[1] ?? '');
    // An answer without a content type comes back in the connection's format.
    pair.upstream.handler = (call) => (call.event === 'message' ? { status: 200, body: 'pong' } : { status: 200 });
    try {
      client.ws.send('ping');
      const frame = await client.next();
      expect(frame.data.toString()).toBe('pong');
      expect(frame.binary).toBe(binary);
    } finally {
      client.ws.close();
    }
  });

  it.each([
    ['/ws/client', 400],
    ['/ws/client?format=text', 400],
    ['/ws/client/hubs/chat?format=xml', 400],
    ['/ws/client/hubs/chat/formats/xml', 400],
    ['/ws/client/hubs/bad%20hub', 400],
    ['/ws/elsewhere', 404],
    ['/ws/client/hubs/chat/extra', 404],
  ])('%s is refused with %i before any upstream call', async (path, status) => {
    const before = pair.upstream.callsOf('connect').length;
    expect((await refusedStatus(`${pair.ws}${path}`)).status).toBe(status);
    expect(pair.upstream.callsOf('connect').length).toBe(before);
  });

  it('closes with 1009 on a frame over the limit, and sends the disconnect', async () => {
    const client = await openClient(`${pair.ws}/ws/client/hubs/big`);
    const connect = await pair.upstream.waitForCall((c) => c.event === 'connect' && c.headers['x-asrs-hub'] === 'big');
    client.ws.send(Buffer.alloc(64 * 1024 + 1));
    expect((await client.waitClosed()).code).toBe(1009);
    await pair.upstream.waitForCall((c) => c.event === 'disconnect' && c.connectionId === connect.connectionId);
    expect(pair.upstream.callsOf('message', connect.connectionId)).toHaveLength(0);
  });
});
