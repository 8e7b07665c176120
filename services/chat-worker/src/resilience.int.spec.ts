import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceBusClient } from '@azure/service-bus';
import { conversationKey, lobby, Tables, type ChatEvent } from '@parley/contracts';
import { freePort, startAzurite, startServiceBus, type StandIn } from '@parley/testkit';
import { drainNotifications, events, parleyBusConfig, readDeadLetters, sendEvents, testBusClient } from './testing/bus.js';
import { failAfterAppend } from './testing/faults.js';
import { snapshotTables, startTestWorker, tableRows, waitFor, type TestWorker } from './testing/worker.js';

const MAX_DELIVERIES = 3;

/**
 * Failure handling against the real broker and Azurite. The broker runs a
 * test config: MaxDeliveryCount 3, a 5 s lock, and no duplicate detection, so
 * the same events can drive two independent runs and repeated commands show.
 */
describe('chat-worker under failures', { timeout: 120_000 }, () => {
  let bus: StandIn;
  let client: ServiceBusClient;
  const cleanup: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    const config = parleyBusConfig({
      subscription: { MaxDeliveryCount: MAX_DELIVERIES, LockDuration: 'PT5S' },
      topic: { RequiresDuplicateDetection: false },
      notifications: { RequiresDuplicateDetection: false },
    });
    bus = await startServiceBus({ config });
    client = testBusClient(bus.connectionString);
  });
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
    await client?.close();
    await bus?.stop();
  });

  async function azurite(options: { location?: string; port?: number } = {}): Promise<StandIn> {
    const started = await startAzurite(options);
    cleanup.push(() => started.stop());
    return started;
  }

  // One scenario, fixed event ids. Bob first (his own phase), then everything of alice on one connection,
  // so the order is the same in every run: one connection is one session.
  const alice = { user: 'alice', connectionId: 'conn-alice' };
  const bobConnects = events.connected({ user: 'bob', connectionId: 'conn-bob' });
  const aliceEvents: ChatEvent[] = [
    events.connected(alice),
    events.message(alice, { type: 'join', id: 'a1', room: 'dev' }),
    events.message(alice, { type: 'send', id: 'a2', room: 'dev', text: 'first' }),
    events.message(alice, { type: 'invite', id: 'a3', room: 'dev', user: 'bob' }),
    events.message(alice, { type: 'send', id: 'a4', to: 'bob', text: 'psst' }),
    events.message(alice, { type: 'send', id: 'a5', text: 'lobby' }),
    events.message(alice, { type: 'leave', id: 'a6', room: 'dev' }),
    events.message(alice, { type: 'send', id: 'a7', room: 'dev', text: 'too late' }),
    events.disconnected(alice),
  ];
  const crashAt = aliceEvents[3]!.metadata.eventId;

  async function runScenario(tables: string, crash: boolean) {
    const workers: TestWorker[] = [];
    let stopped: Promise<void> | undefined;
    const first = await startTestWorker({
      bus: bus.connectionString,
      tables,
      wrapStore: (store) =>
        crash
          ? failAfterAppend(store, (event) => {
              if (event.metadata.eventId !== crashAt || stopped) return;
              stopped = first.stop(); // the worker goes down with the event logged and nothing else done
              throw new Error('injected crash after the event-log write');
            })
          : store,
    });
    workers.push(first);
    const completed = async () => (await Promise.all(workers.map((w) => w.settled('completed')))).reduce((a, b) => a + b, 0);

    await sendEvents(client, [bobConnects]);
    await waitFor(completed, (n) => n >= 1, 30_000, 'bob connected');
    await sendEvents(client, aliceEvents);
    if (crash) {
      await waitFor(() => stopped !== undefined, Boolean, 30_000, 'the injected crash');
      await stopped;
      expect(await first.settled('completed')).toBeLessThan(1 + aliceEvents.length);
      workers.push(await startTestWorker({ bus: bus.connectionString, tables })); // the restart
    }
    await waitFor(completed, (n) => n >= 1 + aliceEvents.length, 60_000, 'every event completed');
    const notifications = await drainNotifications(client, 1);
    for (const worker of workers.slice(crash ? 1 : 0)) await worker.stop();
    return {
      tables: await snapshotTables(tables),
      commands: new Map(notifications.map((m) => [String(m.messageId), { sessionId: m.sessionId, body: m.body as unknown }])),
      commandCount: notifications.length,
    };
  }

  it('a worker stopped between the event-log write and the rest, then restarted, ends in the same state as an uninterrupted run', async () => {
    const [cleanTables, crashTables] = await Promise.all([azurite(), azurite()]);
    const clean = await runScenario(cleanTables.connectionString, false);
    const crashed = await runScenario(crashTables.connectionString, true);

    expect(clean.tables[Tables.events]).toHaveLength(1 + aliceEvents.length);
    expect(clean.tables[Tables.messages]!.map((row) => row.text)).toEqual(expect.arrayContaining(['first', 'psst', 'lobby']));
    expect(crashed.tables).toEqual(clean.tables);
    expect([...crashed.commands.keys()].sort()).toEqual([...clean.commands.keys()].sort());
    expect(crashed.commands).toEqual(clean.commands);
    expect(crashed.commandCount).toBe(clean.commandCount);
  });

  it('a poison message is retried up to MaxDeliveryCount, then dead-lettered, and the session moves on without harming the messages behind it', async () => {
    const tables = await azurite();
    const who = { user: 'dora', connectionId: 'conn-dora' };
    const poison = events.message(who, { type: 'send', id: 'd0', text: 'poison' });
    const followers = [1, 2, 3].map((i) => events.message(who, { type: 'send', id: `d${i}`, text: `after the poison ${i}` }));
    const worker = await startTestWorker({
      bus: bus.connectionString,
      tables: tables.connectionString,
      wrapStore: (store) =>
        failAfterAppend(store, (event) => {
          if (event.metadata.eventId === poison.metadata.eventId) throw Object.assign(new Error('tables answered 503'), { statusCode: 503 });
        }),
    });
    try {
      await sendEvents(client, [poison, ...followers]);
      const [dead] = await readDeadLetters(client, 1);
      expect(dead?.messageId).toBe(poison.metadata.eventId);
      expect(dead?.deadLetterReason).toBe('MaxDeliveryCountExceeded');
      expect(await worker.settled('abandoned')).toBeGreaterThanOrEqual(MAX_DELIVERIES);

      await waitFor(() => worker.settled('completed'), (n) => n >= followers.length, 30_000, 'the messages after the poison');
      const lobbyTexts = (await tableRows(tables.connectionString, Tables.messages))
        .filter((row) => row.partitionKey === conversationKey('chat', lobby()) && row.messageId !== undefined)
        .map((row) => row.text);
      expect(lobbyTexts.sort()).toEqual(followers.map((f) => (f.data as { frame: { text: string } }).frame.text));
      // The followers waited behind the poison (order), but its retries did not count against them.
      const processed = worker.logs.filter((line) => line.msg === 'event processed');
      for (const follower of followers) {
        const line = processed.find((l) => l.eventId === follower.metadata.eventId);
        expect(line?.deliveryCount, `delivery count of ${follower.metadata.eventId}`).toBeLessThanOrEqual(1);
      }
      expect(await readDeadLetters(client, 1, 2_000)).toEqual([]);
      expect(await drainNotifications(client, followers.length)).toHaveLength(followers.length);
    } finally {
      await worker.stop(); // its sessions must not be taken from the next test's worker
    }
  });

  it('tables unreachable: the event is abandoned and retried, and goes through once the tables are back', async () => {
    const location = mkdtempSync(join(tmpdir(), 'chat-worker-azurite-'));
    cleanup.push(async () => rmSync(location, { recursive: true, force: true }));
    const port = await freePort();
    let tables = await azurite({ location, port });
    const worker = await startTestWorker({ bus: bus.connectionString, tables: tables.connectionString, retryDelayMs: 4_000 });
    try {
      await tables.stop();
      const message = events.message({ user: 'erin', connectionId: 'conn-erin' }, { type: 'send', id: 'e1', text: 'through the outage' });
      await sendEvents(client, [message]);
      await waitFor(() => worker.settled('abandoned'), (n) => n >= 1, 30_000, 'a retry while the tables are down');
      tables = await azurite({ location, port });

      await waitFor(() => worker.settled('completed'), (n) => n >= 1, 30_000, 'the event after the outage');
      const rows = (await tableRows(tables.connectionString, Tables.messages)).filter((row) => row.messageId !== undefined);
      expect(rows.map((row) => row.text)).toEqual(['through the outage']);
      const sent = await drainNotifications(client, 1);
      expect(sent.map((m) => m.messageId)).toEqual([`${message.metadata.eventId}-000`]);
    } finally {
      await worker.stop();
    }
  });
});
