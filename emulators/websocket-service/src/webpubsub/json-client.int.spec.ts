import { WebPubSubServiceClient } from '@azure/web-pubsub';
import { WebPubSubClient, WebPubSubJsonProtocol } from '@azure/web-pubsub-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openClient, type TestClient } from '../testing/clients.js';
import { echoResponder, type EventAnswer } from '../testing/event-recorder.js';
import { startWpsPair, type WpsPair } from '../testing/web-pubsub.js';
import { waitFor } from '../testing/wait.js';

type Json = Record<string, unknown>;

/** A raw `json.webpubsub.azure.v1` client: sends objects, reads parsed frames in order. */
async function rawJson(url: string): Promise<{ client: TestClient; id: string; send(msg: Json): void; next(): Promise<Json> }> {
  const client = await openClient(url, 'json.webpubsub.azure.v1');
  const next = async () => JSON.parse((await client.next()).data.toString()) as Json;
  const connected = await next();
  expect(connected).toMatchObject({ type: 'system', event: 'connected' });
  expect(connected).not.toHaveProperty('reconnectionToken');
  return { client, id: String(connected.connectionId), send: (msg) => client.ws.send(JSON.stringify(msg)), next };
}

describe('json.webpubsub.azure.v1 clients', () => {
  let pair: WpsPair;
  let service: WebPubSubServiceClient;
  beforeAll(async () => {
    pair = await startWpsPair();
    service = new WebPubSubServiceClient(pair.emulator.webPubSubConnectionString, 'chat', { allowInsecureConnection: true });
  });
  afterAll(() => pair.close());

  it('answers ping with pong and acks by ackId; a repeated ackId is Duplicate', async () => {
    const c = await rawJson(await pair.clientUrl('chat', { sub: 'p', role: ['webpubsub.joinLeaveGroup'] }));
    c.send({ type: 'ping' });
    expect(await c.next()).toEqual({ type: 'pong' });
    c.send({ type: 'joinGroup', group: 'g', ackId: 1 });
    expect(await c.next()).toEqual({ type: 'ack', ackId: 1, success: true });
    c.send({ type: 'leaveGroup', group: 'g', ackId: 1 });
    expect(await c.next()).toMatchObject({ type: 'ack', ackId: 1, success: false, error: { name: 'Duplicate' } });
    c.client.ws.close();
  });

  it('without roles a client may only send events: join and send are acked Forbidden', async () => {
    const c = await rawJson(await pair.clientUrl('chat', { sub: 'norole' }));
    c.send({ type: 'joinGroup', group: 'g', ackId: 1 });
    expect(await c.next()).toMatchObject({ ackId: 1, success: false, error: { name: 'Forbidden' } });
    c.send({ type: 'sendToGroup', group: 'g', ackId: 2, dataType: 'text', data: 'x' });
    expect(await c.next()).toMatchObject({ ackId: 2, success: false, error: { name: 'Forbidden' } });
    c.send({ type: 'event', event: 'hello', ackId: 3, dataType: 'text', data: 'hi' });
    expect(await c.next()).toEqual({ type: 'message', from: 'server', dataType: 'text', data: 'hi' });
    expect(await c.next()).toEqual({ type: 'ack', ackId: 3, success: true });
    c.client.ws.close();
  });

  it('scopes roles to one group, and takes roles from the connect answer and the permission REST API', async () => {
    pair.handler.respond = (e): EventAnswer =>
      e.type === 'sys.connect' ? { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ roles: ['webpubsub.sendToGroup.news'] }) } : { status: 200 };
    const c = await rawJson(await pair.clientUrl('chat', { sub: 'scoped', role: ['webpubsub.joinLeaveGroup.news'] }));
    pair.handler.respond = echoResponder;
    c.send({ type: 'joinGroup', group: 'news', ackId: 1 });
    expect(await c.next()).toMatchObject({ ackId: 1, success: true });
    c.send({ type: 'joinGroup', group: 'sport', ackId: 2 });
    expect(await c.next()).toMatchObject({ ackId: 2, error: { name: 'Forbidden' } });
    c.send({ type: 'sendToGroup', group: 'news', ackId: 3, dataType: 'json', data: { a: 1 } });
    expect(await c.next()).toEqual({ type: 'message', from: 'group', group: 'news', fromUserId: 'scoped', dataType: 'json', data: { a: 1 } });
    expect(await c.next()).toMatchObject({ ackId: 3, success: true });

    expect(await service.hasPermission(c.id, 'joinLeaveGroup', { targetName: 'sport' })).toBe(false);
    await service.grantPermission(c.id, 'joinLeaveGroup', { targetName: 'sport' });
    expect(await service.hasPermission(c.id, 'joinLeaveGroup', { targetName: 'sport' })).toBe(true);
    c.send({ type: 'joinGroup', group: 'sport', ackId: 4 });
    expect(await c.next()).toMatchObject({ ackId: 4, success: true });
    await service.revokePermission(c.id, 'joinLeaveGroup', { targetName: 'sport' });
    c.send({ type: 'leaveGroup', group: 'sport', ackId: 5 });
    expect(await c.next()).toMatchObject({ ackId: 5, error: { name: 'Forbidden' } });
    c.client.ws.close();
  });

  it('sendToGroup reaches members of either kind; noEcho leaves the sender out', async () => {
    const a = await rawJson(await pair.clientUrl('chat', { sub: 'a', role: ['webpubsub.joinLeaveGroup', 'webpubsub.sendToGroup'] }));
    const simple = await openClient(await pair.clientUrl('chat', { sub: 's', 'webpubsub.group': ['room'] }));
    a.send({ type: 'joinGroup', group: 'room', ackId: 1 });
    await a.next();
    a.send({ type: 'sendToGroup', group: 'room', ackId: 2, noEcho: true, dataType: 'binary', data: Buffer.from([1, 2]).toString('base64') });
    expect(await a.next()).toEqual({ type: 'ack', ackId: 2, success: true });
    expect(await simple.next()).toEqual({ data: Buffer.from([1, 2]), binary: true });
    a.send({ type: 'sendToGroup', group: 'room', dataType: 'text', data: 'echoed' });
    expect(await a.next()).toMatchObject({ from: 'group', group: 'room', dataType: 'text', data: 'echoed' });
    expect((await simple.next()).data.toString()).toBe('echoed');
    a.client.ws.close();
    simple.ws.close();
  });

  it('sends events to the handler by name and dataType, and acks a handler failure with InternalServerError', async () => {
    const c = await rawJson(await pair.clientUrl('chat', { sub: 'ev' }));
    c.send({ type: 'event', event: 'jsonEvent', ackId: 1, dataType: 'json', data: { x: [1] } });
    expect(await c.next()).toEqual({ type: 'message', from: 'server', dataType: 'json', data: { x: [1] } });
    expect(await c.next()).toMatchObject({ ackId: 1, success: true });
    const call = await pair.handler.waitFor((e) => e.type === 'user.jsonEvent' && e.connectionId === c.id);
    expect(call.headers).toMatchObject({ 'ce-eventname': 'jsonEvent', 'ce-subprotocol': 'json.webpubsub.azure.v1', 'content-type': 'application/json' });
    expect(call.path).toBe('/eventhandler/chat/jsonEvent');
    pair.handler.respond = (e): EventAnswer => (e.type.startsWith('user.') ? { status: 400 } : { status: e.type === 'sys.connect' ? 204 : 200 });
    c.send({ type: 'event', event: 'refused', ackId: 2, dataType: 'text', data: 'x' });
    expect(await c.next()).toMatchObject({ ackId: 2, success: false, error: { name: 'InternalServerError' } });
    pair.handler.respond = echoResponder;
    c.client.ws.close();
  });

  it("works with Microsoft's WebPubSubClient: join, group messages, events and server messages", async () => {
    const { url } = await service.getClientAccessToken({ userId: 'sdk', roles: ['webpubsub.joinLeaveGroup', 'webpubsub.sendToGroup'] });
    const client = new WebPubSubClient(url, { protocol: WebPubSubJsonProtocol() });
    const groupMessages: unknown[] = [];
    const serverMessages: unknown[] = [];
    client.on('group-message', (e) => groupMessages.push(e.message.data));
    client.on('server-message', (e) => serverMessages.push(e.message.data));
    const connected = new Promise<string>((resolve) => client.on('connected', (e) => resolve(e.userId ?? '')));
    await client.start();
    expect(await connected).toBe('sdk');
    await client.joinGroup('lobby');
    await client.sendToGroup('lobby', 'hello lobby', 'text');
    await client.sendEvent('ask', { q: 1 }, 'json');
    await service.sendToUser('sdk', 'from server', { contentType: 'text/plain' });
    await waitFor(() => groupMessages.length === 1 && serverMessages.length === 2);
    expect(groupMessages).toEqual(['hello lobby']);
    expect(serverMessages).toEqual([{ q: 1 }, 'from server']);
    client.stop();
  });
});
