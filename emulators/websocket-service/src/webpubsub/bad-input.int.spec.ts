import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebPubSubServiceClient } from '@azure/web-pubsub';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openClient, refusedStatus, restToken, type TestClient } from '../testing/clients.js';
import { PRIMARY } from '../testing/emulator.js';
import { echoResponder, type EventAnswer } from '../testing/event-recorder.js';
import { startWpsPair, type WpsPair } from '../testing/web-pubsub.js';

/** Bad input gets the service's error and never disturbs anyone else (docs/protocols.md §2). */
describe('Web PubSub face: bad input', () => {
  let pair: WpsPair;
  let service: WebPubSubServiceClient;
  let bystander: TestClient;
  beforeAll(async () => {
    pair = await startWpsPair();
    service = new WebPubSubServiceClient(pair.emulator.webPubSubConnectionString, 'bad', { allowInsecureConnection: true });
    bystander = await openClient(await pair.clientUrl('bad', { sub: 'bystander' }));
  });
  afterAll(async () => {
    // Everything above went wrong for someone else; the bystander still gets its messages.
    await service.sendToUser('bystander', 'still here', { contentType: 'text/plain' });
    expect((await bystander.next()).data.toString()).toBe('still here');
    bystander.ws.close();
    await pair.close();
  });

  it('refuses malformed and unsigned tokens with 401', async () => {
    const port = pair.emulator.port;
    const aud = `http://127.0.0.1:${port}/client/hubs/bad`;
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ aud, exp: 9e9 })).toString('base64url')}.`;
    const hs512 = await new SignJWT({ aud, exp: 9e9 }).setProtectedHeader({ alg: 'HS512' }).sign(new TextEncoder().encode(PRIMARY));
    const noExp = await new SignJWT({ aud }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(PRIMARY));
    for (const token of ['', 'a.b', 'a.b.c', none, hs512, noExp, '%%%']) {
      const refused = await refusedStatus(`${pair.ws}/client/hubs/bad?access_token=${encodeURIComponent(token)}`);
      expect(refused.status).toBe(401);
    }
  });

  it('refuses bad client URLs with a clear reason', async () => {
    expect((await refusedStatus(`${pair.ws}/client/hubs/bad%20hub?access_token=x`)).status).toBe(400);
    expect((await refusedStatus(`${pair.ws}/client?access_token=x`)).status).toBe(400);
    expect((await refusedStatus(`${pair.ws}/client/elsewhere/x`)).status).toBe(404);
  });

  it('refuses the handshake when the connect answer is not usable', async () => {
    for (const body of ['not json', '[1]', '{"userId":5}', '{"groups":"g"}', '{"subprotocol":"never-offered"}']) {
      pair.handler.respond = (e): EventAnswer => (e.type === 'sys.connect' ? { status: 200, headers: { 'content-type': 'application/json' }, body } : { status: 200 });
      const refused = await refusedStatus(await pair.clientUrl('bad', { sub: 'c' }), 'json.webpubsub.azure.v1');
      expect(refused.status).toBe(500);
    }
    pair.handler.respond = echoResponder;
  });

  it('acks malformed JSON-protocol messages BadRequest when an ackId can be read, ignores the rest, and keeps the connection', async () => {
    const client = await openClient(await pair.clientUrl('bad', { sub: 'j', role: ['webpubsub.joinLeaveGroup', 'webpubsub.sendToGroup'] }), 'json.webpubsub.azure.v1');
    await client.next();
    const bad = [
      'not json',
      '[1,2]',
      '"string"',
      JSON.stringify({ type: 'nope', ackId: 1 }),
      JSON.stringify({ type: 'joinGroup', ackId: 2 }),
      JSON.stringify({ type: 'joinGroup', group: '', ackId: 3 }),
      JSON.stringify({ type: 'sendToGroup', group: 'g', ackId: 4, dataType: 'xml', data: 'x' }),
      JSON.stringify({ type: 'sendToGroup', group: 'g', ackId: 5, dataType: 'binary', data: '***' }),
      JSON.stringify({ type: 'event', event: 'e', ackId: 6, dataType: 'text', data: 5 }),
      JSON.stringify({ type: 'sequenceAck', sequenceId: 1 }),
      JSON.stringify({ type: 'joinGroup', group: 'g', ackId: 'seven' }),
    ];
    for (const frame of bad) client.ws.send(frame);
    client.ws.send(Buffer.from([0xde, 0xad]));
    client.ws.send(JSON.stringify({ type: 'ping' }));
    const frames: Record<string, unknown>[] = [];
    for (;;) {
      const frame = JSON.parse((await client.next()).data.toString()) as Record<string, unknown>;
      frames.push(frame);
      if (frame.type === 'pong') break;
    }
    const expected: [number | undefined, string | undefined][] = [1, 2, 3, 4, 5, 6].map((id) => [id, 'BadRequest']);
    expected.push([undefined, undefined]);
    expect(frames.map((f) => [f.ackId, (f.error as { name?: string } | undefined)?.name])).toEqual(expected);
    expect(client.closed).toBeUndefined();
    client.ws.close();
  });

  it('closes a client that sends a frame over the limit (1009) or invalid UTF-8 (1007)', async () => {
    const big = await openClient(await pair.clientUrl('bad', { sub: 'big' }));
    big.ws.send(Buffer.alloc(1024 * 1024 + 1, 65), { binary: false });
    expect((await big.waitClosed()).code).toBe(1009);
    const utf = await openClient(await pair.clientUrl('bad', { sub: 'utf' }), 'json.webpubsub.azure.v1');
    utf.ws.send(Buffer.from([0xff, 0xfe]), { binary: false });
    expect((await utf.waitClosed()).code).toBe(1007);
  });

  it('answers bad REST input with a coded error', async () => {
    const call = async (path: string, init: { method?: string; body?: string; type?: string } = {}) => {
      const url = `${pair.emulator.url}${path}`;
      const headers: Record<string, string> = { authorization: `Bearer ${await restToken(url, PRIMARY)}` };
      if (init.type) headers['content-type'] = init.type;
      const res = await fetch(url, { method: init.method ?? 'POST', headers, body: init.body });
      const text = await res.text();
      return { status: res.status, code: res.headers.get('x-ms-error-code'), body: text };
    };
    for (const filter of ["userId eq", "nope eq 'x'", "'g' in", "userId eq 'a' and", "((userId eq 'a')", "userId ~ 'a'", '('.repeat(100)]) {
      expect(await call(`/api/hubs/bad/:send?filter=${encodeURIComponent(filter)}`, { body: 'x', type: 'text/plain' })).toMatchObject({ status: 400, code: 'SIGNALR_BAD_FILTER' });
    }
    expect(await call('/api/hubs/bad/:send', { body: 'x', type: 'application/xml' })).toMatchObject({ status: 415 });
    expect(await call('/api/hubs/bad/:send', { body: '{bad', type: 'application/json' })).toMatchObject({ status: 400, code: 'SIGNALR_BAD_REQUEST' });
    expect(await call('/api/hubs/bad/:send', { body: 'x'.repeat(1024 * 1024 + 1), type: 'text/plain' })).toMatchObject({ status: 413 });
    expect(await call('/api/hubs/bad/:addToGroups', { body: 'nope', type: 'application/json' })).toMatchObject({ status: 400 });
    expect(await call('/api/hubs/bad/:addToGroups', { body: '{"groups":["g"],"filter":"bad"}', type: 'application/json' })).toMatchObject({ status: 400, code: 'SIGNALR_BAD_FILTER' });
    expect(await call('/api/hubs/bad/permissions/admin/connections/c', { method: 'PUT' })).toMatchObject({ status: 400 });
    expect(await call('/api/hubs/bad/groups/g/connections?maxpagesize=0', { method: 'GET' })).toMatchObject({ status: 400 });
    expect(await call('/api/hubs/bad/:generateToken?minutesToExpire=-1')).toMatchObject({ status: 400 });
    expect(await call('/api/hubs/bad/nothing/here')).toMatchObject({ status: 404, code: 'SIGNALR_NOT_FOUND' });
    expect(await call('/api/hubs/bad/:send', { method: 'PUT' })).toMatchObject({ status: 405 });
    expect(await call('/api/hubs/bad/users/%E0%A4%A', { method: 'HEAD' })).toMatchObject({ status: 400 });
  });

  it('does not send events to a handler that fails abuse protection, and refuses the connect', async () => {
    const strict: Server = createServer((req, res) => res.writeHead(req.method === 'OPTIONS' ? 200 : 500, req.method === 'OPTIONS' ? { 'webhook-allowed-origin': 'someone-else.example' } : {}).end());
    await new Promise<void>((resolve) => strict.listen(0, '127.0.0.1', resolve));
    const posts: string[] = [];
    strict.on('request', (req) => req.method === 'POST' && posts.push(req.url ?? ''));
    const other = await startWpsPair({
      hubs: () => ({ guarded: { EventHandlers: [{ UrlTemplate: `http://127.0.0.1:${(strict.address() as AddressInfo).port}/{event}`, SystemEvents: ['connect'] }] } }),
      retryDelaysMs: [],
    });
    try {
      expect((await refusedStatus(await other.clientUrl('guarded', { sub: 'x' }))).status).toBe(500);
      expect(posts).toEqual([]);
    } finally {
      await other.close();
      strict.close();
    }
  });
});
