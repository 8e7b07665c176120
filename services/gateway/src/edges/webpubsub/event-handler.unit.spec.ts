import { createServer } from 'node:net';
import { once } from 'node:events';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { jwtVerify } from 'jose';
import { CHAT_SUBPROTOCOL, ErrorCodes, signatureHeader, WEBPUBSUB_EVENT_HANDLER_PATH, type ChatEvent } from '@parley/contracts';
import { eventually } from '@parley/testkit';
import { GatewayErrorCodes, MessageTooLargeError } from '../../errors.js';
import { PRIMARY_KEY, RecordingPublisher, SECONDARY_KEY, testApp, testConfig } from '../../testing/support.js';

/**
 * The Web PubSub edge through app.inject: every branch of reading, verifying and
 * answering the service's calls. The SDK calls (hello, client tokens) and the
 * whole round trip run against the real emulator in webpubsub.int.spec.ts.
 */
let app: FastifyInstance;
let publisher: RecordingPublisher;
let closedPort: number;
afterEach(async () => app?.close());

beforeAll(async () => {
  // A port nothing listens on: the hello REST call fails fast and chat.connected follows it.
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  closedPort = (server.address() as { port: number }).port;
  server.close();
  await once(server, 'close');
});

const wpsEnv = () => ({
  WEBSOCKET_SERVICE: 'webpubsub',
  SIGNALR_CONNECTION_STRING: undefined,
  SIGNALR_SECONDARY_KEY: undefined,
  WEBPUBSUB_CONNECTION_STRING: `Endpoint=http://127.0.0.1;Port=${closedPort};AccessKey=${PRIMARY_KEY};Version=1.0;`,
  WEBPUBSUB_SECONDARY_KEY: SECONDARY_KEY,
});

async function start(deps: Parameters<typeof testApp>[1] = {}) {
  ({ app, publisher } = await testApp(testConfig(wpsEnv()), deps));
}

interface Call {
  type: string;
  connectionId?: string;
  userId?: string;
  keys?: string[];
  signature?: string | null;
  hub?: string;
}

function ceHeaders(call: Call): Record<string, string> {
  const connectionId = call.connectionId ?? 'conn-1';
  const headers: Record<string, string> = {
    'webhook-request-origin': '127.0.0.1',
    'ce-specversion': '1.0',
    'ce-awpsversion': '1.0',
    'ce-type': call.type,
    'ce-source': `/hubs/chat/client/${connectionId}`,
    'ce-id': '1',
    'ce-time': new Date().toISOString(),
    'ce-hub': call.hub ?? 'chat',
    'ce-connectionid': connectionId,
  };
  const signature = call.signature === undefined ? signatureHeader(connectionId, call.keys ?? [PRIMARY_KEY]) : call.signature;
  if (signature !== null) headers['ce-signature'] = signature;
  if (call.userId) headers['ce-userid'] = call.userId;
  return headers;
}

const event = (call: Call, body?: string, contentType = 'application/json') =>
  app.inject({
    method: 'POST',
    url: WEBPUBSUB_EVENT_HANDLER_PATH,
    headers: { ...ceHeaders(call), ...(body !== undefined ? { 'content-type': contentType } : {}) },
    ...(body !== undefined ? { payload: body } : {}),
  });
const connect = (userId: string | undefined, subprotocols = [CHAT_SUBPROTOCOL], connectionId = 'conn-1') =>
  event(
    { type: 'azure.webpubsub.sys.connect', connectionId, ...(userId ? { userId } : {}) },
    JSON.stringify({ claims: userId ? { sub: [userId] } : {}, query: {}, headers: {}, subprotocols, clientCertificates: [] }),
  );
const message = (frame: unknown, call: Partial<Call> = {}) =>
  event({ type: 'azure.webpubsub.user.message', userId: 'alice', ...call }, typeof frame === 'string' ? frame : JSON.stringify(frame), 'text/plain');

describe('abuse protection', () => {
  it('answers OPTIONS for the configured service host only', async () => {
    await start();
    const allowed = await app.inject({ method: 'OPTIONS', url: WEBPUBSUB_EVENT_HANDLER_PATH, headers: { 'webhook-request-origin': '127.0.0.1', 'ce-awpsversion': '1.0' } });
    expect(allowed.statusCode).toBe(200);
    expect(allowed.headers['webhook-allowed-origin']).toBe('127.0.0.1');
    const other = await app.inject({ method: 'OPTIONS', url: WEBPUBSUB_EVENT_HANDLER_PATH, headers: { 'webhook-request-origin': 'evil.example' } });
    expect(other.statusCode).toBe(403);
    expect(other.json()).toMatchObject({ code: GatewayErrorCodes.originNotAllowed });
    expect(other.headers['webhook-allowed-origin']).toBeUndefined();
  });
});

describe('ce-signature', () => {
  it('refuses a missing or forged signature with 401 and queues nothing', async () => {
    await start();
    const missing = await message({ type: 'send', id: 'c1', text: 'hi' }, { signature: null });
    expect(missing.statusCode).toBe(401);
    expect(missing.json()).toMatchObject({ code: ErrorCodes.signatureMissing });
    const forged = await message({ type: 'send', id: 'c1', text: 'hi' }, { keys: ['not-our-key'] });
    expect(forged.statusCode).toBe(401);
    expect(forged.json()).toMatchObject({ code: ErrorCodes.signatureInvalid });
    expect(publisher.events).toEqual([]);
  });

  it('accepts either key (rotation) and a header with a stale value beside a valid one', async () => {
    await start();
    expect((await message({ type: 'send', id: 'c1', text: 'hi' }, { keys: [SECONDARY_KEY] })).json()).toEqual({ type: 'ack', id: 'c1', ok: true });
    expect((await message({ type: 'send', id: 'c2', text: 'hi' }, { keys: ['retired', PRIMARY_KEY] })).statusCode).toBe(200);
  });

  it('answers 400 to calls that are not Web PubSub events or name another hub', async () => {
    await start();
    const headers = ceHeaders({ type: 'azure.webpubsub.user.message', userId: 'alice' });
    delete headers['ce-awpsversion'];
    const plain = await app.inject({ method: 'POST', url: WEBPUBSUB_EVENT_HANDLER_PATH, headers, payload: '{}' });
    expect(plain.statusCode).toBe(400);
    expect(plain.json()).toMatchObject({ code: ErrorCodes.headerMissing });
    const foreign = await message({ type: 'send', id: 'c1', text: 'hi' }, { hub: 'other' });
    expect(foreign.json()).toMatchObject({ code: GatewayErrorCodes.hubUnknown });
    expect(publisher.events).toEqual([]);
  });
});

describe('connect', () => {
  it('binds the user, chooses parley.chat.v1 and queues chat.connected once hello was tried', async () => {
    await start();
    const response = await connect('alice', ['json.webpubsub.azure.v1', CHAT_SUBPROTOCOL], 'c-42');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ userId: 'alice', subprotocol: CHAT_SUBPROTOCOL });
    // chat.connected is sent from `connected` (the socket is open), after the hello: nothing yet.
    expect(publisher.events).toEqual([]);
    const opened = await event({ type: 'azure.webpubsub.sys.connected', connectionId: 'c-42', userId: 'alice' }, '{}');
    expect(opened.statusCode).toBe(204);
    await eventually(() => publisher.events.length === 1, 'chat.connected', 10_000);
    expect(publisher.events[0]).toMatchObject({ type: 'chat.connected', metadata: { hub: 'chat', connectionId: 'c-42', userId: 'alice' } });
  });

  it.each([
    ['no user on the connection', undefined, [CHAT_SUBPROTOCOL], 401, ErrorCodes.tokenMissing],
    ['a user that is not a usable name', ' spaced ', [CHAT_SUBPROTOCOL], 401, ErrorCodes.tokenInvalid],
    ['no parley.chat.v1 offered', 'alice', ['json.webpubsub.azure.v1'], 400, ErrorCodes.subprotocolMissing],
  ])('refuses %s with a status and a reason', async (_what, user, subprotocols, status, code) => {
    await start();
    const response = await connect(user, subprotocols);
    expect(response.statusCode).toBe(status);
    expect(response.json()).toMatchObject({ code, message: expect.any(String) });
    expect(publisher.events).toEqual([]);
  });

  it('refuses a connect body that is not the documented JSON', async () => {
    await start();
    const response = await event({ type: 'azure.webpubsub.sys.connect', userId: 'alice' }, '{"subprotocols":"parley.chat.v1"}');
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: ErrorCodes.eventBodyInvalid });
  });
});

describe('messages and disconnects', () => {
  it('queues each open connection\'s envelopes in order, acks in the body', async () => {
    await start();
    await connect('alice');
    await event({ type: 'azure.webpubsub.sys.disconnected', userId: 'alice' }, '{"reason":""}').then((r) => expect(r.statusCode).toBe(204));
    // A new connection: connect, a message, then the disconnect.
    await connect('bob', [CHAT_SUBPROTOCOL], 'conn-2');
    await event({ type: 'azure.webpubsub.sys.connected', connectionId: 'conn-2', userId: 'bob' }, '{}');
    const ack = await message({ type: 'send', id: 'm1', text: 'hello' }, { userId: 'bob', connectionId: 'conn-2' });
    expect(ack.headers['content-type']).toMatch(/^application\/json/);
    expect(ack.json()).toEqual({ type: 'ack', id: 'm1', ok: true });
    await event({ type: 'azure.webpubsub.sys.disconnected', connectionId: 'conn-2', userId: 'bob' }, '{"reason":"closed"}');
    await eventually(() => publisher.events.length === 4, 'four events', 10_000);
    const of = (connectionId: string) => publisher.events.filter((e: ChatEvent) => e.metadata.connectionId === connectionId).map((e) => e.type);
    // conn-1 never opened (no `connected`): it never counts as online, only its disconnect is told.
    expect(of('conn-1')).toEqual(['chat.disconnected']);
    expect(of('conn-2')).toEqual(['chat.connected', 'chat.message', 'chat.disconnected']);
    expect(publisher.events.find((e) => e.type === 'chat.message')).toMatchObject({ data: { frame: { type: 'send', id: 'm1', text: 'hello' } }, metadata: { userId: 'bob' } });
  });

  it('answers invalid and binary frames with error acks and queues nothing', async () => {
    await start();
    expect((await message('not json')).json()).toMatchObject({ type: 'ack', ok: false, error: { code: ErrorCodes.frameNotJson } });
    const binary = await event({ type: 'azure.webpubsub.user.message', userId: 'alice' }, 'x', 'application/octet-stream');
    expect(binary.json()).toMatchObject({ ok: false, error: { code: ErrorCodes.frameBinary } });
    expect(publisher.events).toEqual([]);
  });

  it('refuses other user events and calls without a user with 400', async () => {
    await start();
    const custom = await event({ type: 'azure.webpubsub.user.shout', userId: 'alice' }, 'x', 'text/plain');
    expect(custom.statusCode).toBe(400);
    expect(custom.json()).toMatchObject({ code: GatewayErrorCodes.eventUnknown });
    const anonymous = await message({ type: 'send', id: 'c1', text: 'hi' }, { userId: '' });
    expect(anonymous.json()).toMatchObject({ code: GatewayErrorCodes.userMissing });
  });

  it('answers a frame too large for a bus batch with its error ack, not 503', async () => {
    class TooLarge extends RecordingPublisher {
      override async publish(): Promise<void> {
        throw new MessageTooLargeError();
      }
    }
    await start({ publisher: new TooLarge() });
    const response = await message({ type: 'send', id: 'big', text: 'x' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ type: 'ack', id: 'big', ok: false, error: { code: GatewayErrorCodes.messageTooLarge } });
  });

  it('answers 503 without an ack when the bus is down (the service retries, the client resends)', async () => {
    await start();
    publisher.failing = true;
    const response = await message({ type: 'send', id: 'c1', text: 'hi' });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ code: ErrorCodes.busUnavailable });
  });
});

describe('negotiate', () => {
  it('hands out the Web PubSub client URL with a short-lived token for the user', async () => {
    await start();
    const response = await app.inject({ method: 'POST', url: '/api/negotiate', payload: { name: 'alice' } });
    expect(response.statusCode).toBe(200);
    const answer = response.json() as { url: string; accessToken: string; expiresAt: string; user: string };
    expect(answer.url).toBe(`ws://127.0.0.1:${closedPort}/client/hubs/chat?access_token=${encodeURIComponent(answer.accessToken)}`);
    const { payload } = await jwtVerify(answer.accessToken, new TextEncoder().encode(PRIMARY_KEY), {
      audience: `http://127.0.0.1:${closedPort}/client/hubs/chat`,
    });
    expect(payload.sub).toBe('alice');
    expect(payload.exp! - Math.floor(Date.now() / 1000)).toBeLessThanOrEqual(15 * 60);
    expect(answer).toMatchObject({ user: 'alice', expiresAt: new Date(payload.exp! * 1000).toISOString() });
  });
});
