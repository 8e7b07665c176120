import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceBusClient, ServiceBusReceivedMessage } from '@azure/service-bus';
import { BusProperties, nextEventId, parseChatEvent, partitionSessionId, type ChatEvent } from '@parley/contracts';
import { startServiceBus, type StandIn } from '@parley/testkit';
import { connectedEvent, messageEvent, newTraceparent } from './chat-events.js';
import type { BatchOutcome } from '@parley/service-kit';
import { BusUnavailableError } from '../errors.js';
import { createServiceBusPublisher, type ServiceBusPublisher } from './servicebus-publisher.js';
import { receivePartition, receiveSession, testBusClient } from '../testing/bus.js';
import { silentLogger } from '../testing/support.js';

// One user per connection here, so the connections' events land in different sessions (keyed by user).
const source = (connectionId: string, userId = connectionId) => ({
  hub: 'chat',
  connectionId,
  userId,
  eventId: nextEventId(),
  receivedAt: new Date(),
  traceparent: newTraceparent(),
});
const send = (connectionId: string, id: string): ChatEvent => messageEvent(source(connectionId), { type: 'send', id, text: `text ${id}` });

describe('Service Bus publisher against the local broker', () => {
  let bus: StandIn;
  let client: ServiceBusClient;
  let publisher: ServiceBusPublisher;
  const batches: BatchOutcome[] = [];

  beforeAll(async () => {
    bus = await startServiceBus();
    client = testBusClient(bus.connectionString);
    publisher = createServiceBusPublisher({ client, partitions: 64, sendTimeoutMs: 5_000, batchMode: 'mixed', logger: silentLogger(), onBatch: (outcome) => batches.push(outcome) });
    expect(publisher.ready()).toBe(false);
    await publisher.open();
  });
  afterAll(async () => {
    await publisher?.close();
    await client?.close();
    await bus?.stop();
  });

  it('is ready once the sender link is open', () => {
    expect(publisher.ready()).toBe(true);
  });

  it('lands an event on chat-events/chat-worker with message id, session id, subject, properties and body', async () => {
    const event = connectedEvent(source('conn-land', 'alice'));
    await publisher.publish(event);
    const [message, ...rest] = await receiveSession(client, 'conn-land', { count: 1 });
    expect(rest).toEqual([]);
    expect(message!.messageId).toBe(event.metadata.eventId);
    expect(message!.sessionId).toBe(partitionSessionId('alice', 64));
    expect(message!.subject).toBe('chat.connected');
    expect(message!.contentType).toBe('application/json');
    expect(message!.applicationProperties).toEqual({
      [BusProperties.type]: 'chat.connected',
      [BusProperties.hub]: 'chat',
      [BusProperties.userId]: 'alice',
      [BusProperties.replayed]: false,
      [BusProperties.traceparent]: event.metadata.traceparent,
    });
    expect(parseChatEvent(message!.body)).toEqual({ ok: true, value: event });
  });

  /** Publishes `perConnection` events on each of `count` connections, interleaved and all at once; checks each session's order. */
  async function publishInterleaved(target: ServiceBusPublisher, prefix: string, count: number, perConnection: number) {
    const connections = Array.from({ length: count }, (_, c) => `${prefix}-${c}`);
    const events = connections.flatMap((connectionId) => Array.from({ length: perConnection }, (_, i) => send(connectionId, `${connectionId}-${i}`)));
    const order = Array.from({ length: perConnection }, (_, i) => connections.map((_, c) => events[c * perConnection + i]!)).flat();
    await Promise.all(order.map((event) => target.publish(event)));
    const sessionOf = (connectionId: string) => partitionSessionId(connectionId, 64);
    const inSession = (connectionId: string) => connections.filter((other) => sessionOf(other) === sessionOf(connectionId)).length * perConnection;
    const received: ServiceBusReceivedMessage[] = [];
    for (const connectionId of connections) {
      if (!received.some((message) => message.sessionId === sessionOf(connectionId))) {
        received.push(...(await receivePartition(client, sessionOf(connectionId), inSession(connectionId))));
      }
    }
    expect(received).toHaveLength(events.length);
    for (const connectionId of connections) {
      const mine = received.filter((message) => (message.body as ChatEvent).metadata.connectionId === connectionId);
      expect(mine.map((message) => message.messageId)).toEqual(events.filter((event) => event.metadata.connectionId === connectionId).map((event) => event.metadata.eventId));
      expect(mine.every((message) => message.sessionId === sessionOf(connectionId))).toBe(true);
    }
    return events.length;
  }

  it('mixed mode: coalesces concurrent sends of several sessions into batches, keeping each session in order', async () => {
    batches.length = 0;
    // More sessions than in-flight slots, so batches must take several sessions each.
    const total = await publishInterleaved(publisher, 'mixed', 16, 10);
    const accepted = batches.filter((batch) => batch.ok);
    expect(accepted.reduce((sum, batch) => sum + batch.size, 0)).toBe(total);
    expect(Math.max(...accepted.map((batch) => batch.size))).toBeGreaterThan(1);
    expect(Math.max(...accepted.map((batch) => batch.sessions))).toBeGreaterThan(1);
  });

  it('session mode: batches never span sessions and each session stays in order', async () => {
    const outcomes: BatchOutcome[] = [];
    const single = createServiceBusPublisher({ client, partitions: 64, sendTimeoutMs: 5_000, batchMode: 'session', logger: silentLogger(), onBatch: (outcome) => outcomes.push(outcome) });
    try {
      await publishInterleaved(single, 'single', 3, 30);
      expect(outcomes.every((batch) => batch.ok && batch.sessions === 1)).toBe(true);
      expect(Math.max(...outcomes.map((batch) => batch.size))).toBeGreaterThan(1);
    } finally {
      await single.close();
    }
  });

  it('rejects with BusUnavailableError once closed, and reports not ready', async () => {
    const other = createServiceBusPublisher({ client, partitions: 64, sendTimeoutMs: 5_000, batchMode: 'mixed', logger: silentLogger() });
    await other.open();
    await other.close();
    expect(other.ready()).toBe(false);
    await expect(other.publish(send('conn-x', 'late'))).rejects.toBeInstanceOf(BusUnavailableError);
  });
});

describe('Service Bus publisher when the broker is gone', () => {
  it('rejects with BusUnavailableError within the send timeout', async () => {
    const bus = await startServiceBus();
    const client = testBusClient(bus.connectionString);
    const publisher = createServiceBusPublisher({ client, partitions: 64, sendTimeoutMs: 2_000, batchMode: 'mixed', logger: silentLogger() });
    try {
      await publisher.open();
      await bus.kill();
      const started = Date.now();
      await expect(publisher.publish(send('conn-down', 'x'))).rejects.toBeInstanceOf(BusUnavailableError);
      expect(Date.now() - started).toBeLessThan(20_000);
    } finally {
      await publisher.close().catch(() => undefined);
      await client.close().catch(() => undefined);
      await bus.kill();
    }
  }, 40_000);
});
