import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openClient, rawUpgrade } from '../testing/clients.js';
import { startPair, type Pair } from '../testing/emulator.js';
import { defaultHandler } from '../testing/test-upstream.js';
import { waitFor } from '../testing/wait.js';

/**
 * Each test has its own emulator: "exactly once" is read after that
 * emulator's close(), which returns only when every upstream call it made or
 * queued has finished, so a duplicate could not arrive later.
 */
describe('disconnect (after the connection is gone, exactly once)', () => {
  let pair: Pair;
  beforeEach(async () => {
    pair = await startPair({ limits: { keepAliveIntervalMs: 150 } });
    pair.upstream.handler = defaultHandler;
  });
  afterEach(() => pair.close());

  async function connected(user: string) {
    const client = await openClient(`${pair.ws}/ws/client/hubs/chat?user=${user}`);
    const connect = await pair.upstream.waitForCall((c) => c.event === 'connect' && String(c.headers['x-asrs-client-query']) === `user=${user}`);
    return { client, id: connect.connectionId };
  }

  async function exactlyOneDisconnect(id: string) {
    const call = await pair.upstream.waitForCall((c) => c.event === 'disconnect' && c.connectionId === id);
    expect(pair.emulator.connectionCount()).toBe(0);
    // The marker that nothing else is coming: close() drains every upstream call.
    await pair.emulator.close();
    expect(pair.upstream.callsOf('disconnect', id)).toHaveLength(1);
    return call;
  }

  it('is made before a close() called while the first close is still running resolves', async () => {
    const { id } = await connected('d0');
    const first = pair.emulator.close();
    const second = pair.emulator.close();
    await second;
    expect(pair.upstream.callsOf('disconnect', id)).toHaveLength(1);
    await first;
  });

  it('is sent once after a clean close, with the connection headers', async () => {
    const { client, id } = await connected('d1');
    client.ws.close(1000, 'bye');
    const call = await exactlyOneDisconnect(id);
    expect(call.headers['x-asrs-category']).toBe('connections');
    expect(call.headers['x-asrs-user-id']).toBe('d1');
    expect(call.headers['x-asrs-hub']).toBe('chat');
    expect(call.url).toBe('/api/messages?event=disconnect');
    expect(call.signatureValid).toBe(true);
  });

  it('is sent once after an abrupt TCP drop', async () => {
    const { client, id } = await connected('d2');
    client.ws.terminate();
    await exactlyOneDisconnect(id);
  });

  it('comes after the frames the connection sent before it went away', async () => {
    pair.upstream.handler = (call) => (call.event === 'message' ? { status: 200, delayMs: 60 } : defaultHandler(call));
    const { client, id } = await connected('d3');
    for (const text of ['a', 'b', 'c']) client.ws.send(text);
    client.ws.terminate();
    await exactlyOneDisconnect(id);
    const events = pair.upstream.calls.filter((c) => c.connectionId === id).map((c) => (c.event === 'message' ? c.body.toString() : c.event));
    expect(events).toEqual(['connect', 'a', 'b', 'c', 'disconnect']);
  });

  it('finds a peer that stopped answering pings, drops it and sends the disconnect', async () => {
    const before = pair.upstream.callsOf('connect').length;
    // A raw socket completes the handshake but never answers a ping.
    const socket = rawUpgrade(pair.emulator.port, '/ws/client/hubs/chat?user=d4');
    const connect = await waitFor(() => pair.upstream.callsOf('connect')[before], 5_000, 'connect');
    await exactlyOneDisconnect(connect.connectionId);
    socket.destroy();
  });
});
