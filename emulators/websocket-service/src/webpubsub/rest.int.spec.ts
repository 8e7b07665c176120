import { WebPubSubServiceClient } from '@azure/web-pubsub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openClient, restToken, type TestClient } from '../testing/clients.js';
import { PRIMARY } from '../testing/emulator.js';
import { startWpsPair, type WpsPair } from '../testing/web-pubsub.js';
import { waitFor } from '../testing/wait.js';

describe('the Web PubSub REST API through Microsoft\'s @azure/web-pubsub', () => {
  let pair: WpsPair;
  let service: WebPubSubServiceClient;
  let base: string;
  beforeAll(async () => {
    pair = await startWpsPair({ hubs: () => ({}) });
    service = new WebPubSubServiceClient(pair.emulator.webPubSubConnectionString, 'chat', { allowInsecureConnection: true });
    base = pair.emulator.url;
  });
  afterAll(() => pair.close());

  /** A simple client (no subprotocol), joined to `groups` by its token. */
  async function simple(userId: string, groups: string[] = []): Promise<{ client: TestClient }> {
    const { url } = await service.getClientAccessToken({ userId, groups });
    return { client: await openClient(url) };
  }

  async function json(userId: string, roles: string[] = []): Promise<{ client: TestClient; id: string }> {
    const { url } = await service.getClientAccessToken({ userId, roles });
    const client = await openClient(url, 'json.webpubsub.azure.v1');
    const connected = JSON.parse((await client.next()).data.toString()) as { connectionId: string };
    return { client, id: connected.connectionId };
  }

  it('answers the health check without auth', async () => {
    expect((await fetch(`${base}/api/health`, { method: 'HEAD' })).status).toBe(200);
  });

  it('sends text, JSON and binary to all, a user, a group and a connection', async () => {
    const a = await simple('ann', ['room']);
    const b = await json('ben');
    await service.sendToAll('to all', { contentType: 'text/plain' });
    expect((await a.client.next()).data.toString()).toBe('to all');
    expect(JSON.parse((await b.client.next()).data.toString())).toEqual({ type: 'message', from: 'server', dataType: 'text', data: 'to all' });
    await service.sendToAll({ n: 1 });
    expect((await a.client.next()).data.toString()).toBe('{"n":1}');
    expect(JSON.parse((await b.client.next()).data.toString())).toEqual({ type: 'message', from: 'server', dataType: 'json', data: { n: 1 } });
    await service.sendToUser('ann', Buffer.from([7, 8]));
    expect(await a.client.next()).toEqual({ data: Buffer.from([7, 8]), binary: true });
    await service.group('room').sendToAll('room only', { contentType: 'text/plain' });
    expect((await a.client.next()).data.toString()).toBe('room only');
    await service.sendToConnection(b.id, Buffer.from('bin'));
    expect(JSON.parse((await b.client.next()).data.toString())).toEqual({ type: 'message', from: 'server', dataType: 'binary', data: Buffer.from('bin').toString('base64') });
    // Nothing else reached ben: the room send and ann's binary were not his.
    await service.sendToConnection(b.id, 'marker', { contentType: 'text/plain' });
    expect(JSON.parse((await b.client.next()).data.toString())).toMatchObject({ data: 'marker' });
    a.client.ws.close();
    b.client.ws.close();
  });

  it('adds and removes connections and users to and from groups, with existence checks', async () => {
    const c = await json('cat');
    const group = service.group('team');
    expect(await service.groupExists('team')).toBe(false);
    await group.addConnection(c.id);
    expect(await service.groupExists('team')).toBe(true);
    expect(await service.connectionExists(c.id)).toBe(true);
    expect(await service.userExists('cat')).toBe(true);
    expect(await service.userExists('nobody')).toBe(false);
    await group.sendToAll('t1', { contentType: 'text/plain' });
    expect(JSON.parse((await c.client.next()).data.toString())).toMatchObject({ data: 't1' });
    await group.removeConnection(c.id);
    expect(await service.groupExists('team')).toBe(false);
    await group.addUser('cat');
    expect(await service.groupExists('team')).toBe(true);
    await group.removeUser('cat');
    expect(await service.groupExists('team')).toBe(false);
    await expect(group.addConnection('no-such-connection')).rejects.toMatchObject({ statusCode: 404 });
    c.client.ws.close();
  });

  it('closes a connection with a reason', async () => {
    const c = await json('dan');
    await service.closeConnection(c.id, { reason: 'bye now' });
    const frames = await waitFor(() => c.client.closed && c.client.texts());
    expect(JSON.parse(frames[frames.length - 1] as string)).toEqual({ type: 'system', event: 'disconnected', message: 'bye now' });
    expect(c.client.closed).toEqual({ code: 1000, reason: 'bye now' });
    expect(await service.connectionExists(c.id)).toBe(false);
  });

  it('takes a REST token whose aud has the query or not, and refuses others with 401 and x-ms-error-code', async () => {
    const url = `${base}/api/hubs/chat/:send?api-version=2024-01-01`;
    for (const aud of [url, url.split('?')[0] as string]) {
      const token = await restToken(url, PRIMARY, { aud });
      const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' }, body: 'x' });
      expect(res.status).toBe(202);
    }
    const wrong = await restToken(url, PRIMARY, { aud: `${base}/api/hubs/other/:send` });
    const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${wrong}`, 'content-type': 'text/plain' }, body: 'x' });
    expect(res.status).toBe(401);
    expect(res.headers.get('x-ms-error-code')).toBe('SIGNALR_AUTH_AUDIENCE');
    expect(await res.json()).toMatchObject({ code: 'SIGNALR_AUTH_AUDIENCE' });
    const none = await fetch(url, { method: 'POST', body: 'x' });
    expect(none.status).toBe(401);
  });
});
