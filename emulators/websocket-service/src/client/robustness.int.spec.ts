import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openClient, refusedStatus, rest } from '../testing/clients.js';
import { PRIMARY, startPair, type Pair } from '../testing/emulator.js';
import type { Answer } from '../testing/test-upstream.js';
import { waitFor } from '../testing/wait.js';

describe('a slow or stuck client', () => {
  let pair: Pair;
  beforeAll(async () => {
    pair = await startPair({ limits: { sendBufferBytes: 256 * 1024 } });
  });
  afterAll(() => pair.close());

  it('is closed once its send buffer passes the cap, gets its disconnect, and never delays the others', async () => {
    const stuck = await openClient(`${pair.ws}/ws/client/hubs/chat?user=stuck`);
    const stuckId = (await pair.upstream.waitForCall((c) => c.event === 'connect' && String(c.headers['x-asrs-client-query']) === 'user=stuck')).connectionId;
    const healthy = await openClient(`${pair.ws}/ws/client/hubs/chat?user=healthy`);
    // Stop reading: the kernel buffers fill, then the emulator's buffer for this client grows.
    stuck.ws.pause();
    const frame = 'x'.repeat(64 * 1024);
    const url = `${pair.emulator.url}/ws/api/v1/hubs/chat`;
    let sent = 0;
    while (!pair.logs.some((l) => l.code === 'SIGNALR_SEND_BUFFER_FULL') && sent < 2_000) {
      expect((await rest(url, PRIMARY, { body: frame, contentType: 'text/plain' })).status).toBe(202);
      sent++;
    }
    expect(pair.logs.find((l) => l.code === 'SIGNALR_SEND_BUFFER_FULL')?.connectionId).toBe(stuckId);
    // The healthy client received every broadcast while the other one was stuck.
    await waitFor(() => healthy.frames.length === sent, 10_000, 'every broadcast at the healthy client');
    await pair.upstream.waitForCall((c) => c.event === 'disconnect' && c.connectionId === stuckId);
    await waitFor(() => pair.emulator.connectionCount() === 1);
    expect(healthy.closed).toBeUndefined();
    healthy.ws.close();
    stuck.ws.terminate();
  });

  it('that floods frames faster than the upstream answers is throttled, not dropped', async () => {
    pair.upstream.handler = (call): Answer =>
      call.event === 'message' ? { status: 200, headers: { 'content-type': 'text/plain' }, body: call.body, delayMs: 2 } : { status: 200, headers: { 'x-asrs-user-id': 'f' } };
    const client = await openClient(`${pair.ws}/ws/client/hubs/chat`);
    const n = 300;
    for (let i = 0; i < n; i++) client.ws.send(`f${i}`);
    await waitFor(() => client.frames.length === n, 20_000, 'all echoes');
    expect(client.texts()).toEqual(Array.from({ length: n }, (_, i) => `f${i}`));
    client.ws.close();
  });
});

describe('an upstream that is down or rejects our signature', () => {
  it('refuses the handshake with 503 when nothing listens', async () => {
    const pair = await startPair();
    await pair.upstream.close();
    const refused = await refusedStatus(`${pair.ws}/ws/client/hubs/chat`);
    expect(refused.status).toBe(503);
    expect(refused.body).toContain('SIGNALR_UPSTREAM_UNAVAILABLE');
    await pair.emulator.close();
  });

  it('gives up on a message the upstream does not answer in time, logs it, and goes on with the next frame', async () => {
    const pair = await startPair({ limits: { upstreamMessageTimeoutMs: 300 } });
    try {
      pair.upstream.handler = (call): Answer =>
        call.event !== 'message'
          ? { status: 200, headers: { 'x-asrs-user-id': 't' } }
          : { status: 200, headers: { 'content-type': 'text/plain' }, body: call.body, delayMs: call.body.toString() === 'stuck' ? 2_000 : 0 };
      const client = await openClient(`${pair.ws}/ws/client/hubs/chat`);
      client.ws.send('stuck');
      client.ws.send('next');
      expect((await client.next()).data.toString()).toBe('next');
      const log = pair.logs.find((l) => l.code === 'SIGNALR_UPSTREAM_UNAVAILABLE');
      expect(log?.reason).toBe('no answer within 300 ms');
      expect(client.frames).toHaveLength(1);
      expect(client.closed).toBeUndefined();
      client.ws.close();
    } finally {
      await pair.close();
    }
  });

  it('an upstream holding other keys refuses the forged signature (401), and the client is refused with it', async () => {
    const pair = await startPair({ upstreamKeys: ['some-other-key-that-the-emulator-lacks'] });
    try {
      expect((await refusedStatus(`${pair.ws}/ws/client/hubs/chat`)).status).toBe(401);
      const call = pair.upstream.callsOf('connect')[0];
      expect(call?.signatureValid).toBe(false);
      expect(String(call?.headers['x-asrs-signature'])).toMatch(/^sha256=[0-9a-f]{64},sha256=[0-9a-f]{64}$/);
    } finally {
      await pair.close();
    }
  });
});
