import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openClient, rawUpgrade, refusedStatus } from '../testing/clients.js';
import { PRIMARY, SECONDARY, startPair, type Pair } from '../testing/emulator.js';
import { defaultHandler, signatureMatches } from '../testing/test-upstream.js';
import { waitFor } from '../testing/wait.js';

describe('connect (blocking upstream call)', () => {
  let pair: Pair;
  beforeAll(async () => {
    pair = await startPair({ limits: { upstreamConnectTimeoutMs: 800 } });
  });
  afterAll(() => pair.close());
  beforeEach(() => {
    pair.upstream.handler = defaultHandler;
  });

  it('sends every X-ASRS header, the client query and the offered subprotocols, signed with both keys', async () => {
    const client = await openClient(`${pair.ws}/ws/client/hubs/chat?access_token=tok%20en&user=alice`, ['parley.chat.v1', 'other']);
    const call = await pair.upstream.waitForCall((c) => c.event === 'connect');
    expect(call.headers['x-asrs-hub']).toBe('chat');
    expect(call.headers['x-asrs-category']).toBe('connections');
    expect(call.headers['x-asrs-event']).toBe('connect');
    expect(call.headers['x-asrs-connection-id']).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(call.headers['x-asrs-client-query']).toBe('access_token=tok%20en&user=alice');
    expect(call.headers['x-asrs-client-query-string']).toBe('access_token=tok%20en&user=alice');
    expect(call.headers['sec-websocket-protocol']).toBe('parley.chat.v1,other');
    expect(call.url).toBe('/api/messages?event=connect');
    expect(call.signatureValid).toBe(true);
    const signature = String(call.headers['x-asrs-signature']);
    const [first, second] = signature.split(',');
    expect(signatureMatches(first, call.connectionId, [PRIMARY])).toBe(true);
    expect(signatureMatches(second, call.connectionId, [SECONDARY])).toBe(true);
    expect(client.protocol).toBe('parley.chat.v1');
    client.ws.close();
  });

  it('gives each connection its own id', async () => {
    const a = await openClient(`${pair.ws}/ws/client/hubs/chat?user=a`);
    const b = await openClient(`${pair.ws}/ws/client/hubs/chat?user=b`);
    const ids = pair.upstream.callsOf('connect').slice(-2).map((c) => c.connectionId);
    expect(new Set(ids).size).toBe(2);
    a.ws.close();
    b.ws.close();
  });

  it('delivers a non-empty connect body as the first frame and binds the user id', async () => {
    pair.upstream.handler = (call) =>
      call.event === 'connect'
        ? { status: 200, headers: { 'x-asrs-user-id': 'bob', 'content-type': 'application/json' }, body: `{"type":"hello","connectionId":"${call.connectionId}"}` }
        : defaultHandler(call);
    const client = await openClient(`${pair.ws}/ws/client/hubs/chat`);
    const first = await client.next();
    expect(first.binary).toBe(false);
    const hello = JSON.parse(first.data.toString()) as { connectionId: string };
    client.ws.send('hi');
    const message = await pair.upstream.waitForCall((c) => c.event === 'message' && c.connectionId === hello.connectionId);
    expect(message.headers['x-asrs-user-id']).toBe('bob');
    client.ws.close();
  });

  it('forwards the connection claims the connect answer gave', async () => {
    pair.upstream.handler = (call) =>
      call.event === 'connect' ? { status: 200, headers: { 'x-asrs-user-id': 'carol', 'x-asrs-user-claims': '[{"type":"role","value":"admin"}]' } } : defaultHandler(call);
    const client = await openClient(`${pair.ws}/ws/client/hubs/chat`);
    client.ws.send('x');
    const message = await pair.upstream.waitForCall((c) => c.event === 'message' && c.headers['x-asrs-user-id'] === 'carol');
    expect(message.headers['x-asrs-user-claims']).toBe('[{"type":"role","value":"admin"}]');
    client.ws.close();
  });

  it('passes a 4xx answer through to the client handshake', async () => {
    pair.upstream.handler = (call) => (call.event === 'connect' ? { status: 401, body: 'bad token' } : defaultHandler(call));
    expect(await refusedStatus(`${pair.ws}/ws/client/hubs/chat`)).toEqual({ status: 401, body: 'bad token' });
    pair.upstream.handler = (call) => (call.event === 'connect' ? { status: 429 } : defaultHandler(call));
    expect((await refusedStatus(`${pair.ws}/ws/client/hubs/chat`)).status).toBe(429);
  });

  it('answers 503 for a 5xx answer and for no answer within the timeout', async () => {
    pair.upstream.handler = (call) => (call.event === 'connect' ? { status: 500 } : defaultHandler(call));
    expect((await refusedStatus(`${pair.ws}/ws/client/hubs/chat`)).status).toBe(503);
    pair.upstream.handler = (call) => (call.event === 'connect' ? { status: 200, headers: { 'x-asrs-user-id': 'late' }, delayMs: 3_000 } : defaultHandler(call));
    const refused = await refusedStatus(`${pair.ws}/ws/client/hubs/chat`);
    expect(refused.status).toBe(503);
    expect(refused.body).toContain('SIGNALR_UPSTREAM_UNAVAILABLE');
  });

  it('refuses when the upstream binds no user id, and tells the upstream the connection is gone', async () => {
    pair.upstream.handler = (call) => (call.event === 'connect' ? { status: 200 } : defaultHandler(call));
    const refused = await refusedStatus(`${pair.ws}/ws/client/hubs/chat`);
    expect(refused.status).toBe(503);
    expect(refused.body).toContain('X-ASRS-User-Id');
    const connect = pair.upstream.callsOf('connect').at(-1);
    await pair.upstream.waitForCall((c) => c.event === 'disconnect' && c.connectionId === connect?.connectionId);
  });

  it('refuses a subprotocol the client did not offer, and accepts none selected', async () => {
    pair.upstream.handler = (call) =>
      call.event === 'connect' ? { status: 200, headers: { 'x-asrs-user-id': 'u', 'sec-websocket-protocol': 'evil' } } : defaultHandler(call);
    const refused = await refusedStatus(`${pair.ws}/ws/client/hubs/chat`, ['parley.chat.v1']);
    expect(refused.status).toBe(503);
    expect(refused.body).toContain('evil');
    pair.upstream.handler = (call) => (call.event === 'connect' ? { status: 200, headers: { 'x-asrs-user-id': 'u' } } : defaultHandler(call));
    const client = await openClient(`${pair.ws}/ws/client/hubs/chat`);
    expect(client.protocol).toBe('');
    client.ws.close();
  });

  it('a client that leaves during the connect call still costs the upstream exactly one disconnect', async () => {
    // Its own emulator, so that its close() can be the marker after which no call can come.
    const own = await startPair();
    try {
      own.upstream.handler = (call) => (call.event === 'connect' ? { status: 200, headers: { 'x-asrs-user-id': 'quitter' }, delayMs: 300 } : defaultHandler(call));
      const socket = rawUpgrade(own.emulator.port, '/ws/client/hubs/chat');
      const connect = await waitFor(() => own.upstream.callsOf('connect')[0], 5_000, 'connect');
      socket.destroy();
      await own.upstream.waitForCall((c) => c.event === 'disconnect' && c.connectionId === connect.connectionId);
      await own.emulator.close();
      expect(own.upstream.callsOf('disconnect', connect.connectionId)).toHaveLength(1);
    } finally {
      await own.close();
    }
  });
});
