import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceBusClient } from '@azure/service-bus';
import type { FastifyInstance } from 'fastify';
import { request } from 'undici';
import { ErrorCodes, type ChatEvent } from '@parley/contracts';
import { createRegistry } from '@parley/service-kit';
import { startServiceBus, type StandIn } from '@parley/testkit';
import { buildApp } from './app.js';
import { createServiceBusPublisher, type ServiceBusPublisher } from './chat-path/servicebus-publisher.js';
import { receiveSession, testBusClient } from './testing/bus.js';
import { silentLogger, testConfig, upstreamHeaders, type UpstreamCall } from './testing/support.js';

/** Typing frames through the seed upstream and the real broker: throttled per connection and conversation, marked ephemeral. */
describe('gateway: typing frames', () => {
  let bus: StandIn;
  let client: ServiceBusClient;
  let publisher: ServiceBusPublisher;
  let app: FastifyInstance;
  let base = '';

  beforeAll(async () => {
    bus = await startServiceBus();
    client = testBusClient(bus.connectionString);
    const config = testConfig({ SERVICEBUS_CONNECTION_STRING: bus.connectionString });
    publisher = createServiceBusPublisher({ client, partitions: config.partitions, sendTimeoutMs: config.busSendTimeoutMs, batchMode: config.busBatchMode, logger: silentLogger() });
    await publisher.open();
    app = await buildApp({ publisher, logger: silentLogger(), registry: createRegistry('gateway-typing') }, config);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(async () => {
    await app?.close();
    await publisher?.close().catch(() => undefined);
    await client?.close().catch(() => undefined);
    await bus?.stop();
  });

  async function frame(upstream: Omit<UpstreamCall, 'event'>, body: object) {
    const response = await request(`${base}/api/messages?event=message`, {
      method: 'POST',
      headers: { ...upstreamHeaders({ event: 'message', ...upstream }), 'content-type': 'text/plain' },
      body: JSON.stringify(body),
    });
    return (await response.body.json()) as { type: string; id: string; ok: boolean; error?: { code: string } };
  }

  it('acks one typing frame per connection and conversation per interval, refuses the flood, and marks what it queues ephemeral', async () => {
    const connectionId = 'typing-conn-1';
    const alice = { connectionId, userId: 'alice' };
    expect(await frame(alice, { type: 'typing', id: 't1', room: 'dev' })).toEqual({ type: 'ack', id: 't1', ok: true });
    const flood = await frame(alice, { type: 'typing', id: 't2', room: 'dev' });
    expect(flood).toMatchObject({ type: 'ack', id: 't2', ok: false, error: { code: ErrorCodes.typingThrottled } });
    // Another conversation, and the same conversation from another connection, are apart.
    expect(await frame(alice, { type: 'typing', id: 't3', to: 'bob' })).toMatchObject({ ok: true });
    expect(await frame({ connectionId: 'typing-conn-2', userId: 'alice' }, { type: 'typing', id: 't4', room: 'dev' })).toMatchObject({ ok: true });
    // A marker after them on the same connection: once it is on the bus, so is everything before it.
    expect(await frame(alice, { type: 'send', id: 'marker', room: 'dev', text: 'done typing' })).toMatchObject({ ok: true });

    const received = (await receiveSession(client, connectionId, { count: 3, waitMs: 10_000 })).map((message) => message.body as ChatEvent & { data: { frame: { id: string } } });
    expect(received.map((event) => event.data.frame.id)).toEqual(['t1', 't3', 'marker']);
    expect(received.map((event) => event.metadata.ephemeral)).toEqual([true, true, undefined]);
  });
});
