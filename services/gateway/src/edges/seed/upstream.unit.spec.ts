import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { CHAT_SUBPROTOCOL, ErrorCodes, EVENT_ID_PATTERN, type MessageEvent } from '@parley/contracts';
import { createRegistry } from '@parley/service-kit';
import { eventually } from '@parley/testkit';
import { GatewayErrorCodes } from '../../errors.js';
import {
  gatewayToken,
  RecordingPublisher,
  SECONDARY_KEY,
  SIGNING_KEY,
  testApp,
  testConfig,
  upstreamHeaders,
  type UpstreamCall,
} from '../../testing/support.js';

let app: FastifyInstance;
let publisher: RecordingPublisher;
afterEach(async () => app?.close());

async function start(env: Record<string, string> = {}, deps: Parameters<typeof testApp>[1] = {}) {
  ({ app, publisher } = await testApp(testConfig(env), deps));
}

const post = (call: UpstreamCall, body?: string | Buffer, contentType = 'text/plain') =>
  app.inject({
    method: 'POST',
    url: `/api/messages?event=${call.event}`,
    headers: { ...upstreamHeaders(call), ...(body !== undefined ? { 'content-type': contentType } : {}) },
    ...(body !== undefined ? { payload: body } : {}),
  });
const message = (frame: unknown, call: Partial<UpstreamCall> = {}) =>
  post({ event: 'message', userId: 'alice', ...call }, typeof frame === 'string' ? frame : JSON.stringify(frame));
const connectWith = async (query: string, call: Partial<UpstreamCall> = {}) => post({ event: 'connect', clientQuery: query, ...call });

describe('upstream signature', () => {
  it('refuses a call without X-ASRS-Signature with 401 and queues nothing', async () => {
    await start();
    const response = await message({ type: 'send', id: 'c1', text: 'hi' }, { signature: null });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ code: ErrorCodes.signatureMissing });
    expect(publisher.events).toEqual([]);
  });

  it('refuses a forged signature (wrong key) with 401 and queues nothing', async () => {
    await start();
    const response = await message({ type: 'send', id: 'c1', text: 'hi' }, { keys: ['not-our-key'] });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ code: ErrorCodes.signatureInvalid });
    expect(publisher.events).toEqual([]);
  });

  it('refuses a signature made for another connection id', async () => {
    await start();
    const forged = upstreamHeaders({ event: 'message', connectionId: 'other' })['x-asrs-signature']!;
    const response = await message({ type: 'send', id: 'c1', text: 'hi' }, { connectionId: 'conn-1', signature: forged });
    expect(response.statusCode).toBe(401);
    expect(publisher.events).toEqual([]);
  });

  it('accepts calls signed with the secondary key only (key rotation)', async () => {
    await start();
    const response = await message({ type: 'send', id: 'c1', text: 'hi' }, { keys: [SECONDARY_KEY] });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ type: 'ack', id: 'c1', ok: true });
  });

  it('matches the hub case-insensitively and stamps the configured spelling', async () => {
    await start();
    const response = await message({ type: 'send', id: 'c1', text: 'hi' }, { hub: 'Chat' });
    expect(response.statusCode).toBe(200);
    expect(publisher.events[0]!.metadata.hub).toBe('chat');
  });

  it('accepts a header listing a stale value beside a valid one', async () => {
    await start();
    const response = await message({ type: 'send', id: 'c1', text: 'hi' }, { keys: ['retired-key', SECONDARY_KEY] });
    expect(response.statusCode).toBe(200);
  });

  it('answers 400 when X-ASRS headers are missing, the event disagrees or the hub is foreign', async () => {
    await start();
    const noConnection = await app.inject({
      method: 'POST',
      url: '/api/messages?event=message',
      headers: { 'x-asrs-hub': 'chat', 'x-asrs-event': 'message', 'x-asrs-signature': 'sha256=00' },
    });
    expect(noConnection.statusCode).toBe(400);
    expect(noConnection.json()).toMatchObject({ code: ErrorCodes.headerMissing });
    const mismatch = await app.inject({ method: 'POST', url: '/api/messages?event=connect', headers: upstreamHeaders({ event: 'disconnect', userId: 'a' }) });
    expect(mismatch.json()).toMatchObject({ code: GatewayErrorCodes.eventMismatch });
    const foreignHub = await message({ type: 'send', id: 'c1', text: 'hi' }, { hub: 'other' });
    expect(foreignHub.statusCode).toBe(400);
    expect(foreignHub.json()).toMatchObject({ code: GatewayErrorCodes.hubUnknown });
    expect(publisher.events).toEqual([]);
  });
});

describe('connect', () => {
  it('binds the user, selects parley.chat.v1, answers hello, then publishes chat.connected', async () => {
    await start();
    const token = await gatewayToken('alice');
    const response = await connectWith(`hub=chat&access_token=${token}`, { connectionId: 'c-42', subprotocols: ['other.v2', CHAT_SUBPROTOCOL] });
    expect(response.statusCode).toBe(200);
    expect(response.headers['x-asrs-user-id']).toBe('alice');
    expect(response.headers['sec-websocket-protocol']).toBe(CHAT_SUBPROTOCOL);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.json()).toEqual({ type: 'hello', user: 'alice', connectionId: 'c-42' });
    await eventually(() => publisher.events.length === 1, 'chat.connected', 5_000);
    const [event] = publisher.events;
    expect(event).toMatchObject({ type: 'chat.connected', version: 1, metadata: { hub: 'chat', connectionId: 'c-42', userId: 'alice' } });
    expect(event!.metadata.eventId).toMatch(EVENT_ID_PATTERN);
    expect(event!.metadata.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });

  it('reads the query from X-ASRS-Client-Query-String too', async () => {
    await start();
    const token = await gatewayToken('bob');
    const headers = upstreamHeaders({ event: 'connect' });
    delete headers['x-asrs-client-query'];
    headers['x-asrs-client-query-string'] = `access_token=${token}`;
    const response = await app.inject({ method: 'POST', url: '/api/messages?event=connect', headers });
    expect(response.statusCode).toBe(200);
    expect(response.headers['x-asrs-user-id']).toBe('bob');
  });

  const refusals: Array<[string, () => Promise<string>, string, RegExp]> = [
    ['a missing token', async () => 'hub=chat', ErrorCodes.tokenMissing, /no access token/],
    ['a malformed token', async () => 'access_token=not.a.jwt', ErrorCodes.tokenInvalid, /malformed/],
    ['a token signed with another key', async () => `access_token=${await gatewayToken('alice', { signingKey: 'x'.repeat(40) })}`, ErrorCodes.tokenInvalid, /signature/],
    ['an expired token', async () => `access_token=${await gatewayToken('alice', { ttlSeconds: 10, now: () => Date.now() - 60_000 })}`, ErrorCodes.tokenInvalid, /expired/],
  ];
  for (const [what, query, code, reason] of refusals) {
    it(`refuses ${what} with 401 and a reason, publishing nothing`, async () => {
      await start();
      const response = await connectWith(await query());
      expect(response.statusCode).toBe(401);
      expect(response.json()).toMatchObject({ code, message: expect.stringMatching(reason) });
      expect(response.headers['x-asrs-user-id']).toBeUndefined();
      expect(publisher.events).toEqual([]);
    });
  }

  it('refuses a token for another audience or issuer with 401', async () => {
    await start();
    const { SignJWT } = await import('jose');
    const key = new TextEncoder().encode(SIGNING_KEY);
    const sign = (aud: string, iss: string) =>
      new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('alice').setAudience(aud).setIssuer(iss).setExpirationTime('5m').sign(key);
    const wrongAudience = await connectWith(`access_token=${await sign('someone-else', 'parley-gateway')}`);
    expect(wrongAudience.statusCode).toBe(401);
    expect(wrongAudience.json().message).toMatch(/"aud"/);
    const wrongIssuer = await connectWith(`access_token=${await sign('parley-chat', 'evil')}`);
    expect(wrongIssuer.statusCode).toBe(401);
    expect(wrongIssuer.json().message).toMatch(/"iss"/);
  });

  it('fails the handshake with 400 when parley.chat.v1 is not offered', async () => {
    await start();
    const token = await gatewayToken('alice');
    for (const subprotocols of [[], ['graphql-ws']]) {
      const response = await connectWith(`access_token=${token}`, { subprotocols });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ code: ErrorCodes.subprotocolMissing });
    }
    expect(publisher.events).toEqual([]);
  });
});

describe('message', () => {
  it('queues one chat.message with the user of X-ASRS-User-Id and acks only after that', async () => {
    await start();
    const response = await message({ type: 'send', id: 'c1', room: 'dev', text: 'hi' }, { userId: 'alice', connectionId: 'conn-9' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.json()).toEqual({ type: 'ack', id: 'c1', ok: true });
    expect(publisher.events).toHaveLength(1);
    const event = publisher.events[0] as MessageEvent;
    expect(event.type).toBe('chat.message');
    expect(event.data.frame).toEqual({ type: 'send', id: 'c1', room: 'dev', text: 'hi' });
    expect(event.metadata).toMatchObject({ userId: 'alice', connectionId: 'conn-9', hub: 'chat' });
  });

  it('continues the caller trace when the request carries a traceparent', async () => {
    await start();
    const trace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const response = await app.inject({
      method: 'POST',
      url: '/api/messages?event=message',
      headers: { ...upstreamHeaders({ event: 'message', userId: 'alice' }), 'content-type': 'text/plain', traceparent: `00-${trace}-00f067aa0ba902b7-01` },
      payload: JSON.stringify({ type: 'join', id: 'j1', room: 'dev' }),
    });
    expect(response.statusCode).toBe(200);
    expect(publisher.events[0]!.metadata.traceparent).toMatch(new RegExp(`^00-${trace}-[0-9a-f]{16}-01$`));
  });

  const long = 'x'.repeat(4001);
  const invalid: Array<[string, string | Buffer, string, string, string?]> = [
    ['not JSON', '{"type":', ErrorCodes.frameNotJson, ''],
    ['an empty body', '', ErrorCodes.frameNotJson, ''],
    ['a JSON array', '[1,2]', ErrorCodes.frameNotObject, ''],
    ['a forbidden key', '{"type":"send","id":"c1","text":"hi","__proto__":{"x":1}}', ErrorCodes.frameForbiddenKey, 'c1'],
    ['no id', '{"type":"send","text":"hi"}', ErrorCodes.frameMissingId, ''],
    ['an unknown type', '{"type":"dance","id":"c2"}', ErrorCodes.frameUnknownType, 'c2'],
    ['an extra field', '{"type":"send","id":"c3","text":"hi","from":"mallory"}', ErrorCodes.frameInvalid, 'c3'],
    ['room and to together', '{"type":"send","id":"c4","text":"hi","room":"a","to":"b"}', ErrorCodes.frameInvalid, 'c4'],
    ['empty text', '{"type":"send","id":"c5","text":"   "}', ErrorCodes.textEmpty, 'c5'],
    ['text over 4,000 characters', JSON.stringify({ type: 'send', id: 'c6', text: long }), ErrorCodes.textTooLong, 'c6'],
    ['a frame over MAX_FRAME_BYTES', JSON.stringify({ type: 'send', id: 'c7', text: 'y'.repeat(17_000) }), ErrorCodes.frameTooLarge, ''],
    ['a binary frame', Buffer.from('{"type":"send","id":"c8","text":"hi"}'), ErrorCodes.frameBinary, '', 'application/octet-stream'],
    ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), ErrorCodes.frameNotJson, ''],
  ];
  for (const [what, body, code, clientId, contentType] of invalid) {
    it(`answers ${what} with an error ack ${code} and queues nothing`, async () => {
      await start();
      const response = await post({ event: 'message', userId: 'alice' }, body, contentType);
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ type: 'ack', id: clientId, ok: false, error: { code, message: expect.any(String) } });
      expect(publisher.events).toEqual([]);
    });
  }

  it('answers a body past the hard limit with 413', async () => {
    await start();
    const response = await post({ event: 'message', userId: 'alice' }, 'z'.repeat(1024 * 1024 + 10));
    expect(response.statusCode).toBe(413);
    expect(response.json()).toMatchObject({ code: GatewayErrorCodes.bodyTooLarge });
  });

  it('answers 400 when X-ASRS-User-Id is missing', async () => {
    await start();
    const response = await post({ event: 'message' }, '{"type":"send","id":"c1","text":"hi"}');
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: GatewayErrorCodes.userMissing });
  });

  it('rate-limits per user with a token bucket that refills', async () => {
    let now = 1_000_000;
    await start({ RATE_LIMIT_PER_SECOND: '1', RATE_LIMIT_BURST: '2' }, { now: () => now });
    const frame = (id: string) => ({ type: 'send', id, text: 'hi' });
    expect((await message(frame('a1'))).json().ok).toBe(true);
    expect((await message(frame('a2'))).json().ok).toBe(true);
    const limited = await message(frame('a3'));
    expect(limited.statusCode).toBe(200);
    expect(limited.json()).toEqual({ type: 'ack', id: 'a3', ok: false, error: { code: ErrorCodes.rateLimited, message: expect.any(String) } });
    expect((await message(frame('b1'), { userId: 'bob' })).json().ok).toBe(true);
    now += 1_000;
    expect((await message(frame('a4'))).json().ok).toBe(true);
    expect(publisher.events.map((event) => (event as MessageEvent).data.frame.id)).toEqual(['a1', 'a2', 'b1', 'a4']);
  });

  it('answers 503 without an ack when the bus does not accept the event', async () => {
    await start();
    publisher.failing = true;
    const response = await message({ type: 'send', id: 'c1', text: 'hi' });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({ code: ErrorCodes.busUnavailable, message: expect.any(String) });
    expect(response.json().type).toBeUndefined();
  });

  it('never lets the first message overtake chat.connected, even while that send is slow', async () => {
    // The bus holds the connected event until released: the message answered meanwhile must wait for it.
    const gate = new RecordingPublisher();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const accepted: string[] = [];
    const publish = gate.publish.bind(gate);
    gate.publish = async (event) => {
      if (event.type === 'chat.connected') await held;
      await publish(event);
      accepted.push(event.type);
    };
    await start({}, { publisher: gate });
    const connected = await connectWith(`access_token=${await gatewayToken('alice')}`, { connectionId: 'ordered' });
    expect(connected.statusCode).toBe(200);
    let acked = false;
    const first = message({ type: 'send', id: 'm1', text: 'first' }, { connectionId: 'ordered' }).then((response) => {
      acked = true;
      return response;
    });
    const other = await message({ type: 'send', id: 'o1', text: 'other connection' }, { connectionId: 'unrelated' });
    expect(other.json().ok).toBe(true);
    expect(acked).toBe(false);
    release();
    expect((await first).json()).toEqual({ type: 'ack', id: 'm1', ok: true });
    expect(accepted).toEqual(['chat.message', 'chat.connected', 'chat.message']);
    expect(gate.events.filter((event) => event.metadata.connectionId === 'ordered').map((event) => event.type)).toEqual(['chat.connected', 'chat.message']);
  });
});

describe('disconnect', () => {
  it('answers 200 and queues chat.disconnected', async () => {
    await start();
    const response = await post({ event: 'disconnect', userId: 'alice', connectionId: 'gone' });
    expect(response.statusCode).toBe(200);
    await eventually(() => publisher.events.length === 1, 'chat.disconnected', 5_000);
    expect(publisher.events[0]).toMatchObject({ type: 'chat.disconnected', metadata: { connectionId: 'gone', userId: 'alice' } });
  });

  it('answers 200 at once even while the bus is failing, and retries in the background', async () => {
    await start();
    publisher.failing = true;
    const response = await post({ event: 'disconnect', userId: 'alice', connectionId: 'gone' });
    expect(response.statusCode).toBe(200);
    publisher.failing = false;
    await eventually(() => publisher.events.length === 1, 'retried chat.disconnected', 5_000);
  });

  it('answers 400 without a user id and queues nothing', async () => {
    await start();
    const response = await post({ event: 'disconnect', connectionId: 'gone' });
    expect(response.statusCode).toBe(400);
    expect(publisher.events).toEqual([]);
  });
});

describe('upstream metrics', () => {
  it('counts requests and latency by event and rejections by code', async () => {
    // The registry the ops server would serve (the public app has no /metrics).
    const registry = createRegistry('gateway-test');
    await start({}, { registry });
    await message({ type: 'send', id: 'c1', text: 'hi' });
    await message('nope');
    await message({ type: 'send', id: 'c2', text: 'hi' }, { keys: ['bad'] });
    const text = await registry.metrics();
    expect(text).toMatch(/parley_gateway_requests_total\{event="message",status="200",service="gateway-test"\} 2/);
    expect(text).toMatch(/parley_gateway_requests_total\{event="message",status="401",service="gateway-test"\} 1/);
    expect(text).toMatch(/parley_gateway_request_seconds_count\{service="gateway-test",event="message"\} 3/);
    expect(text).toMatch(/parley_gateway_rejections_total\{code="PARLEY_FRAME_NOT_JSON",service="gateway-test"\} 1/);
    expect(text).toMatch(/parley_gateway_rejections_total\{code="PARLEY_SIGNATURE_INVALID",service="gateway-test"\} 1/);
  });
});
