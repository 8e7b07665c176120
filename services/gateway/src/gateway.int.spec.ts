import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceBusClient } from '@azure/service-bus';
import type { FastifyInstance } from 'fastify';
import { request } from 'undici';
import { BusProperties, EVENT_ID_PATTERN, partitionSessionId, type ChatEvent } from '@parley/contracts';
import { createRegistry } from '@parley/service-kit';
import { startServiceBus, type StandIn } from '@parley/testkit';
import { buildApp } from './app.js';
import { createServiceBusPublisher, type ServiceBusPublisher } from './chat-path/servicebus-publisher.js';
import { receiveSession, testBusClient } from './testing/bus.js';
import { gatewayToken, silentLogger, testConfig, upstreamHeaders, type UpstreamCall } from './testing/support.js';

interface Stack {
  bus: StandIn;
  client: ServiceBusClient;
  publisher: ServiceBusPublisher;
  app: FastifyInstance;
  base: string;
}

async function startStack(env: Record<string, string> = {}): Promise<Stack> {
  const bus = await startServiceBus();
  const client = testBusClient(bus.connectionString);
  const config = testConfig({ SERVICEBUS_CONNECTION_STRING: bus.connectionString, ...env });
  const publisher = createServiceBusPublisher({ client, partitions: config.partitions, sendTimeoutMs: config.busSendTimeoutMs, batchMode: config.busBatchMode, logger: silentLogger() });
  await publisher.open();
  const app = await buildApp({ publisher, logger: silentLogger(), registry: createRegistry('gateway-int') }, config);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { bus, client, publisher, app, base: `http://127.0.0.1:${port}` };
}

async function stopStack(stack: Stack | undefined) {
  if (!stack) return;
  await stack.app.close();
  await stack.publisher.close().catch(() => undefined);
  await stack.client.close().catch(() => undefined);
  await stack.bus.stop();
}

async function call(stack: Stack, upstream: UpstreamCall, body?: string) {
  const response = await request(`${stack.base}/api/messages?event=${upstream.event}`, {
    method: 'POST',
    headers: { ...upstreamHeaders(upstream), ...(body !== undefined ? { 'content-type': 'text/plain' } : {}) },
    ...(body !== undefined ? { body } : {}),
  });
  const text = await response.body.text();
  return { status: response.statusCode, headers: response.headers, json: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
}

describe('gateway with the local broker', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => stopStack(stack));

  it('turns connect, message and disconnect into ordered bus events with the right ids and properties', async () => {
    const connectionId = 'int-conn-1';
    const connect = await call(stack, { event: 'connect', connectionId, clientQuery: `access_token=${await gatewayToken('alice')}` });
    expect(connect.status).toBe(200);
    expect(connect.headers['x-asrs-user-id']).toBe('alice');
    expect(connect.json).toEqual({ type: 'hello', user: 'alice', connectionId });

    const ack = await call(stack, { event: 'message', connectionId, userId: 'alice' }, JSON.stringify({ type: 'send', id: 'c1', room: 'dev', text: 'hello' }));
    expect(ack).toMatchObject({ status: 200, json: { type: 'ack', id: 'c1', ok: true } });
    const gone = await call(stack, { event: 'disconnect', connectionId, userId: 'alice' });
    expect(gone.status).toBe(200);

    const received = await receiveSession(stack.client, connectionId, { count: 3 });
    expect(received.map((message) => message.subject)).toEqual(['chat.connected', 'chat.message', 'chat.disconnected']);
    for (const message of received) {
      const event = message.body as ChatEvent;
      expect(message.messageId).toBe(event.metadata.eventId);
      expect(message.messageId).toMatch(EVENT_ID_PATTERN);
      // Keyed by the user: all of alice's events, from every connection and gateway, share a session.
      expect(message.sessionId).toBe(partitionSessionId('alice', 64));
      expect(message.applicationProperties).toMatchObject({
        [BusProperties.type]: event.type,
        [BusProperties.hub]: 'chat',
        [BusProperties.userId]: 'alice',
        [BusProperties.traceparent]: event.metadata.traceparent,
      });
      expect(event.metadata).toMatchObject({ connectionId, userId: 'alice', hub: 'chat' });
    }
    expect((received[1]!.body as ChatEvent & { data: { frame: unknown } }).data.frame).toEqual({ type: 'send', id: 'c1', room: 'dev', text: 'hello' });
    // The rate this gateway limits by, for the worker that enforces it across every gateway.
    expect((received[1]!.body as ChatEvent).metadata.rateLimit).toEqual({ perSecond: 10, burst: 20 });
    const ids = received.map((message) => message.messageId as string);
    expect([...ids].sort()).toEqual(ids);
  });

  it('queues nothing for a forged signature, a bad token or a bad frame', async () => {
    const connectionId = 'int-conn-refused';
    const frame = JSON.stringify({ type: 'send', id: 'f1', text: 'forged' });
    expect((await call(stack, { event: 'message', connectionId, userId: 'mallory', keys: ['stolen-key'] }, frame)).status).toBe(401);
    expect((await call(stack, { event: 'message', connectionId, userId: 'mallory', signature: null }, frame)).status).toBe(401);
    expect((await call(stack, { event: 'connect', connectionId, clientQuery: 'access_token=bogus' })).status).toBe(401);
    const expired = await gatewayToken('mallory', { ttlSeconds: 10, now: () => Date.now() - 60_000 });
    expect((await call(stack, { event: 'connect', connectionId, clientQuery: `access_token=${expired}` })).status).toBe(401);
    const badFrame = await call(stack, { event: 'message', connectionId, userId: 'mallory' }, '{"type":"send","id":"b1","text":""}');
    expect(badFrame.json).toMatchObject({ type: 'ack', id: 'b1', ok: false });

    expect(await receiveSession(stack.client, connectionId, { count: 1, waitMs: 1_500 })).toEqual([]);
    // The session still works: the next valid frame is the first and only thing in it.
    const valid = await call(stack, { event: 'message', connectionId, userId: 'mallory' }, JSON.stringify({ type: 'join', id: 'v1', room: 'dev' }));
    expect(valid.json).toMatchObject({ ok: true });
    const received = await receiveSession(stack.client, connectionId, { count: 2, waitMs: 1_500 });
    expect(received.map((message) => (message.body as ChatEvent & { data: { frame: { id: string } } }).data.frame.id)).toEqual(['v1']);
  });
});

describe('gateway when the broker is down', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ BUS_SEND_TIMEOUT_MS: '2000' });
  });
  afterAll(async () => stopStack(stack));

  it('answers a valid frame with 503 and no ack', async () => {
    await stack.bus.kill();
    const response = await call(stack, { event: 'message', connectionId: 'int-down', userId: 'alice' }, JSON.stringify({ type: 'send', id: 'c1', text: 'hi' }));
    expect(response.status).toBe(503);
    expect(response.json).toEqual({ code: 'PARLEY_BUS_UNAVAILABLE', message: expect.any(String) });
  }, 30_000);
});
