import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceBusClient } from '@azure/service-bus';
import { BusProperties, notifierSessionId, parseNotifierEnvelope, type NotifierCommand } from '@parley/contracts';
import { createBusClient, isPermanent } from '@parley/service-kit';
import { startServiceBus, type StandIn } from '@parley/testkit';
import { commandEnvelopes } from '../processor.js';
import { drainNotifications, events, testBusClient } from '../testing/bus.js';
import { CommandSendError, ServiceBusCommandPublisher } from './servicebus-publisher.js';

describe('ServiceBusCommandPublisher against the local broker', () => {
  let bus: StandIn;
  let client: ServiceBusClient;
  let publisher: ServiceBusCommandPublisher;

  beforeAll(async () => {
    bus = await startServiceBus();
    client = testBusClient(bus.connectionString);
    publisher = new ServiceBusCommandPublisher(client, 64);
  });
  afterAll(async () => {
    await publisher?.close();
    await client?.close();
    await bus?.stop();
  });

  const cause = events.message({ user: 'alice', connectionId: 'conn-1' }, { type: 'send', id: 'c1', text: 'hi' });
  const commands: NotifierCommand[] = [
    { action: 'addUserToGroup', hub: 'chat', group: 'room:dev', userId: 'alice' },
    { action: 'sendToGroup', hub: 'chat', group: 'room:dev', frame: { type: 'room', room: 'dev', user: 'alice', event: 'joined' } },
    { action: 'sendToConnection', hub: 'chat', connectionId: 'conn-1', frame: { type: 'state', rooms: ['dev'], online: ['alice'] } },
  ];

  it('sends each command with its command id, the partition session of its target, and the envelope as JSON body', async () => {
    await publisher.publish(commandEnvelopes(commands, cause));
    const received = await drainNotifications(client, 3);

    expect(received).toHaveLength(3);
    const byId = new Map(received.map((message) => [message.messageId, message]));
    commands.forEach((command, index) => {
      const message = byId.get(`${cause.metadata.eventId}-${String(index).padStart(3, '0')}`);
      expect(message, `command ${index}`).toBeDefined();
      expect(message!.sessionId).toBe(notifierSessionId(command, 64));
      expect(message!.subject).toBe('notify.command');
      expect(message!.contentType).toBe('application/json');
      expect(message!.applicationProperties?.[BusProperties.hub]).toBe('chat');
      expect(message!.applicationProperties?.[BusProperties.traceparent]).toBe(cause.metadata.traceparent);
      const parsed = parseNotifierEnvelope(message!.body);
      expect(parsed.ok && parsed.value.data).toEqual(command);
    });
    // The group's membership change and its announcement share one session, in order.
    const group = received.filter((message) => message.sessionId === notifierSessionId(commands[0]!, 64));
    expect(group.map((message) => (message.body as { data: { action: string } }).data.action).slice(0, 2)).toEqual(['addUserToGroup', 'sendToGroup']);
  });

  it('publishing the same event commands again is dropped by the queue duplicate detection', async () => {
    await publisher.publish(commandEnvelopes(commands, cause));
    expect(await drainNotifications(client, 0, 5_000)).toEqual([]);
  });

  it('splits commands that do not fit one batch and refuses one that can never fit, for good', async () => {
    const bigFrame = { type: 'message', id: 'x', clientId: 'c', from: 'alice', text: 'y'.repeat(60_000), at: '2025-01-01T00:00:00.000Z' } as const;
    const many: NotifierCommand[] = Array.from({ length: 6 }, (_, i) => ({ action: 'sendToUser', hub: 'chat', userId: `u${i}`, frame: bigFrame }));
    const other = events.message({ user: 'alice', connectionId: 'conn-1' }, { type: 'send', id: 'c2', text: 'hi' });
    await publisher.publish(commandEnvelopes(many, other));
    expect(await drainNotifications(client, 6)).toHaveLength(6);

    const huge: NotifierCommand = { action: 'sendToAll', hub: 'chat', frame: { ...bigFrame, text: 'z'.repeat(2_000_000) } };
    const failure = await publisher.publish(commandEnvelopes([huge], other)).catch((error: unknown) => error);
    expect(isPermanent(failure)).toBe(true);
  });
});

describe('ServiceBusCommandPublisher when the broker stops answering', () => {
  // The service's own client waits 60 s for an operation (the broker's accept wait); the send's
  // deadline must end a hung send long before that, as a transient failure (abandon and retry).
  it('fails the send at its own deadline, as a transient error, not at the client timeout', async () => {
    const bus = await startServiceBus();
    const client = createBusClient({ kind: 'connectionString', connectionString: bus.connectionString });
    const publisher = new ServiceBusCommandPublisher(client, 64, { sendTimeoutMs: 1_000 });
    const cause = events.message({ user: 'bob', connectionId: 'conn-2' }, { type: 'send', id: 'c3', text: 'hi' });
    const command: NotifierCommand = { action: 'sendToUser', hub: 'chat', userId: 'bob', frame: { type: 'state', rooms: [], online: [] } };
    try {
      await publisher.publish(commandEnvelopes([command], cause));
      process.kill(bus.child.pid!, 'SIGSTOP');
      const failure = await publisher.publish(commandEnvelopes([command], events.message({ user: 'bob', connectionId: 'conn-2' }, { type: 'send', id: 'c4', text: 'hi' }))).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(CommandSendError);
      expect(((failure as Error).cause as Error).name).toBe('AbortError');
      expect(isPermanent(failure)).toBe(false);
    } finally {
      process.kill(bus.child.pid!, 'SIGCONT');
      await publisher.close().catch(() => undefined);
      await client.close().catch(() => undefined);
      await bus.stop();
    }
  }, 30_000);
});
