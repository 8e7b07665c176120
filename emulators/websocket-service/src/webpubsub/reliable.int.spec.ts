import { WebPubSubServiceClient } from '@azure/web-pubsub';
import { WebPubSubClient } from '@azure/web-pubsub-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openClient, restToken, type TestClient } from '../testing/clients.js';
import { PRIMARY } from '../testing/emulator.js';
import { startTcpProxy, type TcpProxy } from '../testing/tcp-proxy.js';
import { startWpsPair, type WpsPair } from '../testing/web-pubsub.js';
import { waitFor } from '../testing/wait.js';

type Json = Record<string, unknown>;
const RELIABLE = 'json.reliable.webpubsub.azure.v1';

describe('json.reliable.webpubsub.azure.v1 clients', () => {
  let pair: WpsPair;
  let service: WebPubSubServiceClient;
  let proxy: TcpProxy;
  beforeAll(async () => {
    pair = await startWpsPair({ recoveryWindowMs: 1_500 });
    service = new WebPubSubServiceClient(pair.emulator.webPubSubConnectionString, 'chat', { allowInsecureConnection: true });
    proxy = await startTcpProxy(pair.emulator.port);
  });
  afterAll(async () => {
    await proxy.close();
    await pair.close();
  });

  const parsed = (c: TestClient) => c.frames.map((f) => JSON.parse(f.data.toString()) as Json);
  const dataOf = (c: TestClient) => parsed(c).filter((m) => m.type === 'message').map((m) => [m.sequenceId, m.data]);

  async function reliable(user: string): Promise<{ client: TestClient; id: string; token: string; url: string }> {
    const { url } = await service.getClientAccessToken({ userId: user });
    const client = await openClient(url, RELIABLE);
    const connected = await waitFor(() => parsed(client)[0]);
    expect(connected).toMatchObject({ type: 'system', event: 'connected', userId: user });
    return { client, id: String(connected.connectionId), token: String(connected.reconnectionToken), url };
  }

  it('numbers every message from 1, recovers a dropped connection with its missed messages, and fires no second connected nor a disconnected', async () => {
    const first = await reliable('rel');
    await service.sendToUser('rel', 'one', { contentType: 'text/plain' });
    await service.sendToUser('rel', 'two', { contentType: 'text/plain' });
    await waitFor(() => dataOf(first.client).length === 2);
    expect(dataOf(first.client)).toEqual([[1, 'one'], [2, 'two']]);
    first.client.ws.send(JSON.stringify({ type: 'sequenceAck', sequenceId: 1 }));
    await service.group('grp').addConnection(first.id);

    first.client.ws.terminate();
    await waitFor(() => first.client.closed);
    // While it is away the connection still exists, keeps its groups and collects what is sent to it.
    expect(await service.connectionExists(first.id)).toBe(true);
    await service.group('grp').sendToAll('three', { contentType: 'text/plain' });

    const again = await openClient(`${first.url}&awps_connection_id=${first.id}&awps_reconnection_token=${encodeURIComponent(first.token)}`, RELIABLE);
    await waitFor(() => dataOf(again).length === 2);
    expect(dataOf(again)).toEqual([[2, 'two'], [3, 'three']]);
    expect(parsed(again).some((m) => m.type === 'system')).toBe(false);
    await service.sendToConnection(first.id, 'four', { contentType: 'text/plain' });
    await waitFor(() => dataOf(again).length === 3);
    expect(dataOf(again)[2]).toEqual([4, 'four']);
    expect(pair.handler.of('sys.connected', first.id)).toHaveLength(1);
    expect(pair.handler.of('sys.disconnected', first.id)).toHaveLength(0);
    again.ws.close();
    await pair.handler.waitFor((e) => e.type === 'sys.disconnected' && e.connectionId === first.id);
  });

  it('drops a held message whose messageTtlSeconds passed before the client came back', async () => {
    const own = await startWpsPair({ hubs: () => ({}), recoveryWindowMs: 30_000 });
    try {
      const ownService = new WebPubSubServiceClient(own.emulator.webPubSubConnectionString, 'chat', { allowInsecureConnection: true });
      const { url } = await ownService.getClientAccessToken({ userId: 'ttl' });
      const first = await openClient(url, RELIABLE);
      const connected = await waitFor(() => parsed(first)[0]);
      first.ws.terminate();
      await waitFor(() => first.closed);
      await ownService.sendToUser('ttl', 'expires', { contentType: 'text/plain', messageTtlSeconds: 1 });
      await ownService.sendToUser('ttl', 'stays', { contentType: 'text/plain' });
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      const again = await openClient(`${url}&awps_connection_id=${String(connected.connectionId)}&awps_reconnection_token=${encodeURIComponent(String(connected.reconnectionToken))}`, RELIABLE);
      await ownService.sendToUser('ttl', 'after', { contentType: 'text/plain', messageTtlSeconds: 1 });
      await waitFor(() => dataOf(again).length === 2);
      expect(dataOf(again)).toEqual([[2, 'stays'], [3, 'after']]);
      again.ws.close();
    } finally {
      await own.close();
    }
  });

  it('closes with 1008 a recovery it cannot honour: wrong token, unknown id, or after the window', async () => {
    const c = await reliable('late');
    const wrong = await openClient(`${c.url}&awps_connection_id=${c.id}&awps_reconnection_token=wrong`, RELIABLE);
    expect((await wrong.waitClosed()).code).toBe(1008);
    const unknown = await openClient(`${c.url}&awps_connection_id=nope&awps_reconnection_token=${c.token}`, RELIABLE);
    expect((await unknown.waitClosed()).code).toBe(1008);
    c.client.ws.terminate();
    const gone = await pair.handler.waitFor((e) => e.type === 'sys.disconnected' && e.connectionId === c.id, 10_000);
    expect(JSON.parse(gone.body.toString()).reason).toContain('not recovered');
    const tooLate = await openClient(`${c.url}&awps_connection_id=${c.id}&awps_reconnection_token=${c.token}`, RELIABLE);
    expect((await tooLate.waitClosed()).code).toBe(1008);
    expect(await service.connectionExists(c.id)).toBe(false);
  });

  it('ends a connection whose unacknowledged messages pass 1,000', async () => {
    const c = await reliable('flood');
    // One token for the one URL (cheaper than the SDK signing each call); the client never acknowledges anything.
    const url = `${pair.emulator.url}/api/hubs/chat/connections/${c.id}/:send`;
    const headers = { authorization: `Bearer ${await restToken(url, PRIMARY)}`, 'content-type': 'text/plain' };
    for (let i = 0; i < 1_001; i += 50) {
      const batch = Array.from({ length: Math.min(50, 1_001 - i) }, (_, j) => fetch(url, { method: 'POST', headers, body: `m${i + j}` }).then((r) => r.status));
      expect(new Set(await Promise.all(batch))).toEqual(new Set([202]));
    }
    expect((await c.client.waitClosed()).code).toBe(1008);
    expect(dataOf(c.client)).toHaveLength(1_000);
  });

  it("lets Microsoft's WebPubSubClient recover by itself after its socket is cut, missing nothing", async () => {
    const viaProxy = new WebPubSubServiceClient(pair.emulator.webPubSubConnectionString.replace(`Port=${pair.emulator.port}`, `Port=${proxy.port}`), 'chat', {
      allowInsecureConnection: true,
    });
    const client = new WebPubSubClient({ getClientAccessUrl: async () => (await viaProxy.getClientAccessToken({ userId: 'sdk-rel' })).url });
    const got: unknown[] = [];
    let connectedEvents = 0;
    let disconnectedEvents = 0;
    client.on('server-message', (e) => got.push(e.message.data));
    client.on('connected', () => connectedEvents++);
    client.on('disconnected', () => disconnectedEvents++);
    await client.start();
    await service.sendToUser('sdk-rel', 'before', { contentType: 'text/plain' });
    await waitFor(() => got.length === 1);
    proxy.cut();
    await service.sendToUser('sdk-rel', 'during', { contentType: 'text/plain' });
    await waitFor(() => got.length === 2, 15_000);
    await service.sendToUser('sdk-rel', 'after', { contentType: 'text/plain' });
    await waitFor(() => got.length === 3);
    expect(got).toEqual(['before', 'during', 'after']);
    expect(connectedEvents).toBe(1);
    expect(disconnectedEvents).toBe(0);
    client.stop();
  });
});
