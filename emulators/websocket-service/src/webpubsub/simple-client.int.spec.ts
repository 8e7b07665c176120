import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { PRIMARY, SECONDARY } from '../testing/emulator.js';
import { openClient, refusedStatus } from '../testing/clients.js';
import type { EventAnswer } from '../testing/event-recorder.js';
import { clientToken, startWpsPair, type WpsPair } from '../testing/web-pubsub.js';
import { waitFor } from '../testing/wait.js';

const hmac = (key: string, id: string) => createHmac('sha256', key).update(id).digest('hex');

describe('Web PubSub simple clients and event handlers', () => {
  let pair: WpsPair;
  beforeAll(async () => {
    pair = await startWpsPair();
  });
  afterAll(() => pair.close());

  it('refuses a handshake without a valid access token with 401 and a coded body', async () => {
    const port = pair.emulator.port;
    const cases = [
      `${pair.ws}/client/hubs/chat`,
      `${pair.ws}/client/hubs/chat?access_token=not.a.jwt`,
      `${pair.ws}/client/hubs/chat?access_token=${await clientToken(port, 'chat', {}, { key: 'some-other-key-0123456789' })}`,
      `${pair.ws}/client/hubs/chat?access_token=${await clientToken(port, 'chat', {}, { expSeconds: -60 })}`,
      `${pair.ws}/client/hubs/chat?access_token=${await clientToken(port, 'other')}`,
    ];
    for (const url of cases) {
      const refused = await refusedStatus(url);
      expect(refused.status).toBe(401);
      expect(JSON.parse(refused.body)).toMatchObject({ code: 'SIGNALR_CLIENT_AUTH' });
    }
    expect(pair.handler.of('sys.connect')).toHaveLength(0);
  });

  it('accepts the token of either key, with or without the port in aud, by path or ?hub=', async () => {
    const port = pair.emulator.port;
    const viaQuery = await openClient(`${pair.ws}/client/?hub=chat&access_token=${await clientToken(port, 'chat', { sub: 'q' }, { key: SECONDARY })}`);
    const noPort = await openClient(`${pair.ws}/client/hubs/chat?access_token=${await clientToken(port, 'chat', {}, { aud: 'https://127.0.0.1/client/hubs/chat' })}`);
    const bearer = new WebSocket(`${pair.ws}/client/hubs/chat`, { headers: { authorization: `Bearer ${await clientToken(port, 'chat')}` } });
    await new Promise((resolve, reject) => bearer.once('open', resolve).once('error', reject));
    bearer.close();
    for (const c of [viaQuery, noPort]) c.ws.close();
    expect(viaQuery.protocol).toBe('');
  });

  it('checks abuse protection, then sends connect with claims, query, headers and subprotocols, and applies the answer', async () => {
    pair.handler.respond = (e): EventAnswer => {
      if (e.type === 'sys.connect') {
        return { status: 200, headers: { 'content-type': 'application/json', 'ce-connectionState': 'c3RhdGU=' }, body: JSON.stringify({ userId: 'from-handler', groups: ['g1'], subprotocol: 'custom.v1' }) };
      }
      return { status: 200, headers: { 'content-type': 'text/plain' }, body: `echo:${e.body.toString()}` };
    };
    const url = await pair.clientUrl('chat', { sub: 'tok-user', role: ['r1'] }, '&extra=1');
    const client = await openClient(url, ['custom.v1', 'other.v2']);
    expect(client.protocol).toBe('custom.v1');
    const options = pair.handler.events.find((e) => e.method === 'OPTIONS');
    expect(options?.headers['webhook-request-origin']).toBe(`127.0.0.1:${pair.emulator.port}`);
    expect(options?.headers['ce-awpsversion']).toBe('1.0');
    expect(pair.handler.events.indexOf(options as never)).toBe(0);

    const connect = await pair.handler.waitFor((e) => e.type === 'sys.connect' && e.headers['ce-userid'] === 'tok-user');
    const id = connect.connectionId;
    expect(connect.path).toBe('/eventhandler/chat/connect');
    expect(connect.headers).toMatchObject({
      'ce-specversion': '1.0',
      'ce-awpsversion': '1.0',
      'ce-type': 'azure.webpubsub.sys.connect',
      'ce-source': `/hubs/chat/client/${id}`,
      'ce-hub': 'chat',
      'ce-eventname': 'connect',
      'ce-signature': `sha256=${hmac(PRIMARY, id)},sha256=${hmac(SECONDARY, id)}`,
      'webhook-request-origin': `127.0.0.1:${pair.emulator.port}`,
    });
    expect(connect.headers['ce-id']).toBeTruthy();
    expect(Number.isNaN(Date.parse(String(connect.headers['ce-time'])))).toBe(false);
    const body = JSON.parse(connect.body.toString()) as Record<string, Record<string, string[]> | string[]>;
    expect(body.claims).toMatchObject({ sub: ['tok-user'], role: ['r1'] });
    expect(body.query).toMatchObject({ extra: ['1'] });
    expect((body.headers as Record<string, string[]>)['Sec-WebSocket-Protocol']).toEqual(['custom.v1,other.v2']);
    expect(body.subprotocols).toEqual(['custom.v1', 'other.v2']);

    client.ws.send('hello');
    expect((await client.next()).data.toString()).toBe('echo:hello');
    const message = await pair.handler.waitFor((e) => e.type === 'user.message' && e.connectionId === id);
    expect(message.headers).toMatchObject({ 'ce-userid': 'from-handler', 'ce-subprotocol': 'custom.v1', 'ce-connectionstate': 'c3RhdGU=', 'ce-eventname': 'message' });
    expect(message.headers['content-type']).toMatch(/^text\/plain/);
    client.ws.send(Buffer.from([1, 2, 3]));
    const binary = await pair.handler.waitFor((e) => e.type === 'user.message' && e.headers['content-type'] === 'application/octet-stream');
    expect(binary.body).toEqual(Buffer.from([1, 2, 3]));

    // The handler answered the binary frame as text/plain, so it comes back as a text frame.
    expect((await client.next()).data.toString()).toBe('echo:\u0001\u0002\u0003');
    const connected = await pair.handler.waitFor((e) => e.type === 'sys.connected' && e.connectionId === id);
    expect(connected.signatureValid).toBe(true);
    client.ws.close();
    const disconnected = await pair.handler.waitFor((e) => e.type === 'sys.disconnected' && e.connectionId === id);
    expect(JSON.parse(disconnected.body.toString())).toHaveProperty('reason');
    expect(pair.handler.of('sys.connected', id)).toHaveLength(1);
    pair.handler.respond = (e) => (e.type === 'sys.connect' ? { status: 204 } : { status: 200 });
  });

  it('returns a non-2xx connect answer to the handshake with its status', async () => {
    pair.handler.respond = (e) => (e.type === 'sys.connect' ? { status: 403, headers: { 'content-type': 'text/plain' }, body: 'go away' } : { status: 200 });
    expect(await refusedStatus(await pair.clientUrl('chat', { sub: 'x' }))).toEqual({ status: 403, body: 'go away' });
    pair.handler.respond = (e) => (e.type === 'sys.connect' ? { status: 204 } : { status: 200 });
  });

  it('retries a user event on 503 and delivers the answer that finally came', async () => {
    let failures = 2;
    pair.handler.respond = (e) => {
      if (e.type !== 'user.message') return { status: e.type === 'sys.connect' ? 204 : 200 };
      if (failures-- > 0) return { status: 503 };
      return { status: 200, headers: { 'content-type': 'text/plain' }, body: 'finally' };
    };
    const client = await openClient(await pair.clientUrl('chat', { sub: 'retry' }));
    client.ws.send('try');
    expect((await client.next()).data.toString()).toBe('finally');
    const tries = await waitFor(() => {
      const calls = pair.handler.events.filter((e) => e.type === 'user.message' && e.body.toString() === 'try');
      return calls.length === 3 && calls;
    });
    expect(tries).toHaveLength(3);
    client.ws.close();
  });

  it('drops a simple client whose message the handler refuses', async () => {
    pair.handler.respond = (e) => (e.type === 'user.message' ? { status: 400 } : { status: e.type === 'sys.connect' ? 204 : 200 });
    const client = await openClient(await pair.clientUrl('chat', { sub: 'refused' }));
    client.ws.send('bad');
    expect((await client.waitClosed()).code).toBe(1011);
  });
});
