import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rm } from 'node:fs/promises';
import { ServiceBusClient, type ServiceBusReceiver } from '@azure/service-bus';
import { TableClient } from '@azure/data-tables';
import { BusProperties, parseChatEvent, partitionSessionId, Tables, type ChatEvent } from '@parley/contracts';
import { startAzurite, startServiceBus, type StandIn } from '@parley/testkit';
import { eventFactory, eventRow } from '../testing/events.js';
import { brokerConfigWithProbe, isolatedDir, receiveAll, runCli } from '../testing/harness.js';

describe('parley replay (real broker and Azurite)', () => {
  let dir: string;
  let azurite: StandIn;
  let broker: StandIn;
  let bus: ServiceBusClient;
  let probe: ServiceBusReceiver;
  let env: Record<string, string>;
  const make = eventFactory();
  const at = (time: string) => new Date(`2025-03-01T${time}Z`);
  // Two hours of hub chat plus events outside the range and of another hub.
  const events: ChatEvent[] = [
    make({ kind: 'connected', connectionId: 'c-alice', userId: 'alice', at: at('09:59:59.999') }),
    make({ kind: 'connected', connectionId: 'c-bob', userId: 'bob', at: at('10:00:00') }),
    make({ kind: 'message', connectionId: 'c-bob', userId: 'bob', at: at('10:10:00'), frame: { type: 'join', id: 'j1', room: 'dev' } }),
    make({ kind: 'message', connectionId: 'c-bob', userId: 'bob', at: at('10:20:00'), frame: { type: 'send', id: 's1', room: 'dev', text: 'one' } }),
    make({ kind: 'message', connectionId: 'c-other', userId: 'carol', at: at('10:30:00'), hub: 'support' }),
    make({ kind: 'message', connectionId: 'c-bob', userId: 'bob', at: at('11:15:00'), frame: { type: 'send', id: 's2', room: 'dev', text: 'two' } }),
    make({ kind: 'disconnected', connectionId: 'c-bob', userId: 'bob', at: at('11:59:59') }),
    make({ kind: 'message', connectionId: 'c-bob', userId: 'bob', at: at('12:00:00') }),
  ];
  const inRangeOfChat = events.slice(1, 4).concat(events.slice(5, 7));

  beforeAll(async () => {
    const isolated = await isolatedDir();
    dir = isolated.dir;
    [azurite, broker] = await Promise.all([startAzurite(), brokerConfigWithProbe(dir).then((config) => startServiceBus({ config }))]);
    env = { SERVICEBUS_CONNECTION_STRING: broker.connectionString, TABLES_CONNECTION_STRING: azurite.connectionString, PARLEY_STACK_FILE: isolated.stackFile };
    const table = TableClient.fromConnectionString(azurite.connectionString, Tables.events, { allowInsecureConnection: true });
    await table.createTable();
    // Stored in a shuffled order: the table, not the insert order, must give the replay its order.
    for (const event of [...events].reverse()) await table.createEntity(eventRow(event));
    bus = new ServiceBusClient(broker.connectionString);
    probe = bus.createReceiver('chat-events', 'probe', { receiveMode: 'receiveAndDelete' });
  });
  afterAll(async () => {
    await probe?.close();
    await bus?.close();
    await Promise.all([azurite?.stop(), broker?.stop()]);
    await rm(dir, { recursive: true, force: true });
  });

  const expectNoMore = async () => expect(await probe.receiveMessages(10, { maxWaitTimeInMs: 1_500 })).toEqual([]);
  const replay = (...args: string[]) => runCli(['replay', '--from', '2025-03-01T10:00Z', '--to', '2025-03-01T12:00Z', ...args], env, dir);

  it('sends the range of one hub in event order, marked replayed, with run-scoped ids', async () => {
    const result = await replay();
    expect(result).toMatchObject({ code: 0, stdout: 'read 5, sent 5, skipped 0\n' });
    const runId = /run (\w+)/.exec(result.stderr)?.[1];
    expect(runId).toBeDefined();
    const received = await receiveAll(probe, 5);
    expect(received).toHaveLength(5);
    await expectNoMore();
    // Per user (= per session, as the gateway sends) the order is the log's order.
    const bob = received.filter((m) => m.sessionId === partitionSessionId('bob', 64));
    expect(bob.map((m) => (m.body as ChatEvent).metadata.eventId)).toEqual(inRangeOfChat.filter((e) => e.metadata.connectionId === 'c-bob').map((e) => e.metadata.eventId));
    for (const message of received) {
      const body = message.body as ChatEvent;
      const original = events.find((e) => e.metadata.eventId === body.metadata.eventId)!;
      expect(parseChatEvent(body).ok).toBe(true);
      expect(body).toEqual({ ...original, metadata: { ...original.metadata, replayed: true } });
      expect(message.messageId).toBe(`${body.metadata.eventId}:replay:${runId}`);
      expect(message.sessionId).toBe(partitionSessionId(body.metadata.userId, 64));
      expect(message.subject).toBe(body.type);
      expect(message.contentType).toBe('application/json');
      expect(message.applicationProperties).toMatchObject({ [BusProperties.replayed]: true, [BusProperties.type]: body.type, [BusProperties.hub]: 'chat' });
    }
  });

  it('filters by type and counts the rest as skipped; --notify asks the worker to notify', async () => {
    const result = await replay('--type', 'message', '--notify');
    expect(result).toMatchObject({ code: 0, stdout: 'read 5, sent 3, skipped 2\n' });
    const received = await receiveAll(probe, 3);
    await expectNoMore();
    expect(received.map((m) => (m.body as ChatEvent).type)).toEqual(['chat.message', 'chat.message', 'chat.message']);
    expect(received.every((m) => (m.body as ChatEvent).metadata.notify === true && (m.body as ChatEvent).metadata.replayed === true)).toBe(true);
  });

  it('replays another hub with --hub and honours PARTITIONS', async () => {
    const result = await runCli(['replay', '--from', '2025-03-01T10:00Z', '--to', '2025-03-01T12:00Z', '--hub', 'support'], { ...env, PARTITIONS: '4' }, dir);
    expect(result).toMatchObject({ code: 0, stdout: 'read 1, sent 1, skipped 0\n' });
    const [message] = await receiveAll(probe, 1);
    expect(message?.sessionId).toBe(partitionSessionId('carol', 4));
    expect((message?.body as ChatEvent).metadata.userId).toBe('carol');
  });

  it('sends nothing on a dry run, and needs no broker for it', async () => {
    const { SERVICEBUS_CONNECTION_STRING: _, ...withoutBus } = env;
    const result = await runCli(['replay', '--from', '2025-03-01T10:00Z', '--to', '2025-03-01T12:00Z', '--dry-run', '--type', 'connected,disconnected'], withoutBus, dir);
    expect(result).toMatchObject({ code: 0, stdout: 'read 5, sent 0, skipped 3 (dry run: 2 would be sent)\n' });
    expect(result.stderr).toMatch(/replay: 2\/2 hours/);
    await expectNoMore();
  });

  it('prints the result as one JSON document with --json', async () => {
    const { SERVICEBUS_CONNECTION_STRING: _, ...withoutBus } = env;
    const result = await runCli(['replay', '--from', '2025-03-01T10:00Z', '--to', '2025-03-01T12:00Z', '--dry-run', '--json'], withoutBus, dir);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      runId: expect.any(String),
      hub: 'chat',
      from: '2025-03-01T10:00:00.000Z',
      to: '2025-03-01T12:00:00.000Z',
      hours: 2,
      dryRun: true,
      read: 5,
      sent: 0,
      skipped: 0,
      wouldSend: 5,
    });
  });

  it('replays the same range again: new run, new ids, not dropped as duplicates', async () => {
    const first = await replay('--type', 'connected');
    const second = await replay('--type', 'connected');
    expect([first.code, second.code]).toEqual([0, 0]);
    const received = await receiveAll(probe, 2);
    expect(received).toHaveLength(2);
    expect(received[0]!.messageId).not.toBe(received[1]!.messageId);
  });
});
