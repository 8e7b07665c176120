/**
 * Events/s from `chat-events` in to `notifications` out, for lobby and room
 * messages, beside the raw Azurite write rate measured in the same run with the
 * same SDK. Prints figures; asserts nothing about speed.
 *
 *   npx nx run @parley/chat-worker:bench      (BENCH_EVENTS=n to change the load)
 */
import { loadavg } from 'node:os';
import { TableClient } from '@azure/data-tables';
import { ServiceBusClient } from '@azure/service-bus';
import { BusEntities, chatEventMessage, nextEventId, notifierSessionId, roomGroup, type ChatEvent } from '@parley/contracts';
import { startAzurite, startServiceBus } from '@parley/testkit';
import { events } from '../src/testing/bus.js';
import { startTestWorker, waitFor } from '../src/testing/worker.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1200);
const CONNECTIONS = 32;
const ROOMS = 4;
const SESSIONS = 8;
const RAW_SECONDS = 8;
const RAW_CONCURRENCY = 8;

const [bus, azurite] = await Promise.all([startServiceBus(), startAzurite()]);
const client = new ServiceBusClient(bus.connectionString, { retryOptions: { timeoutInMs: 10_000 } });

/** Entities/s that Azurite takes from the same SDK, with as many writers as the worker has sessions. */
async function rawWriteRate(): Promise<number> {
  const table = TableClient.fromConnectionString(azurite.connectionString, 'benchraw', { allowInsecureConnection: true });
  await table.createTable();
  let written = 0;
  const until = Date.now() + RAW_SECONDS * 1000;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: RAW_CONCURRENCY }, async (_, writer) => {
      while (Date.now() < until) {
        await table.createEntity({ partitionKey: `p${writer}`, rowKey: nextEventId(), text: 'x'.repeat(64), at: new Date().toISOString() });
        written++;
      }
    }),
  );
  return written / ((Date.now() - started) / 1000);
}

async function send(list: readonly ChatEvent[]): Promise<void> {
  const sender = client.createSender(BusEntities.chatEventsTopic);
  for (let i = 0; i < list.length; i += 50) await sender.sendMessages(list.slice(i, i + 50).map((event) => chatEventMessage(event, { partitions: 64 })));
  await sender.close();
}

/** Counts the notifier commands caused by `ids` arriving in the given sessions of `notifications`. */
async function countArrivals(sessionIds: readonly string[], ids: ReadonlySet<string>, expected: number): Promise<number> {
  let seen = 0;
  await Promise.all(
    sessionIds.map(async (sessionId) => {
      const receiver = await client.acceptSession(BusEntities.notificationsQueue, sessionId, { receiveMode: 'receiveAndDelete' });
      try {
        while (seen < expected) {
          const batch = await receiver.receiveMessages(500, { maxWaitTimeInMs: 250 });
          seen += batch.filter((m) => ids.has((m.body as { metadata: { causationId: string } }).metadata.causationId)).length;
        }
      } finally {
        await receiver.close();
      }
    }),
  );
  return seen;
}

const users = Array.from({ length: CONNECTIONS }, (_, i) => ({ user: `user${i}`, connectionId: `bench-conn-${i}` }));

async function timed(label: string, list: ChatEvent[], sessionIds: string[]) {
  const ids = new Set(list.map((e) => e.metadata.eventId));
  await send(list); // a backlog: the worker drains it as fast as it can
  const worker = await startTestWorker({ bus: bus.connectionString, tables: azurite.connectionString, maxConcurrentSessions: SESSIONS });
  const started = Date.now();
  await countArrivals(sessionIds, ids, list.length);
  const seconds = (Date.now() - started) / 1000;
  // Mean time to handle and settle one message, from the consumer's own histogram.
  const handle = (await worker.registry.getSingleMetric('parley_consumer_handle_seconds')?.get())?.values ?? [];
  const metric = (suffix: string) => handle.find((v) => (v as { metricName?: string }).metricName?.endsWith(suffix))?.value ?? 0;
  const handleMs = (metric('_sum') / Math.max(1, metric('_count'))) * 1000;
  // Table round trips per handled event, from the worker's own counter.
  const sum = async (name: string) => ((await worker.registry.getSingleMetric(name)?.get())?.values ?? []).reduce((total, v) => total + v.value, 0);
  const tripsPerEvent = (await sum('parley_worker_table_requests_total')) / Math.max(1, await sum('parley_worker_events_total'));
  await worker.stop();
  return { label, events: list.length, seconds, perSecond: list.length / seconds, handleMs, tripsPerEvent };
}

try {
  const raw = await rawWriteRate();

  // Lobby: every event is one sendToAll command, all in the hub's "all" session.
  const lobbyEvents = Array.from({ length: EVENTS }, (_, i) => events.message(users[i % CONNECTIONS]!, { type: 'send', id: `l${i}`, text: `lobby ${i}` }));
  const lobbySession = notifierSessionId({ action: 'sendToAll', hub: 'chat', frame: { type: 'presence', user: 'x', online: true } }, 64);
  const lobby = await timed('lobby send', lobbyEvents, [lobbySession]);

  // Rooms: members first (untimed), then messages to rooms the senders are in.
  const setup = await startTestWorker({ bus: bus.connectionString, tables: azurite.connectionString, maxConcurrentSessions: SESSIONS });
  const joins = users.map((u, i) => events.message(u, { type: 'join', id: `j${i}`, room: `room${i % ROOMS}` }));
  await send(users.map((u) => events.connected(u)));
  await waitFor(() => setup.settled('completed'), (n) => n >= users.length, 60_000, 'connections');
  await send(joins);
  await waitFor(() => setup.settled('completed'), (n) => n >= users.length * 2, 60_000, 'joins');
  await setup.stop();
  const roomEvents = Array.from({ length: EVENTS }, (_, i) => {
    const u = i % CONNECTIONS;
    return events.message(users[u]!, { type: 'send', id: `r${i}`, room: `room${u % ROOMS}`, text: `room ${i}` });
  });
  const roomSessions = [...new Set(Array.from({ length: ROOMS }, (_, r) => notifierSessionId({ action: 'sendToGroup', hub: 'chat', group: roomGroup(`room${r}`), frame: { type: 'presence', user: 'x', online: true } }, 64)))];
  const room = await timed('room send', roomEvents, roomSessions);

  const rows = [
    { what: 'raw Azurite writes (entities/s, same SDK)', rate: raw, ratio: 1 },
    { what: `lobby events/s (${lobby.events} in ${lobby.seconds.toFixed(1)} s; ${lobby.tripsPerEvent.toFixed(2)} round trips each)`, rate: lobby.perSecond, ratio: lobby.perSecond / raw },
    { what: `room events/s (${room.events} in ${room.seconds.toFixed(1)} s; ${room.tripsPerEvent.toFixed(2)} round trips each)`, rate: room.perSecond, ratio: room.perSecond / raw },
  ];
  console.log(`\nchat-worker throughput, ${SESSIONS} sessions, ${RAW_CONCURRENCY} raw writers, node ${process.version}, load average ${loadavg().map((v) => v.toFixed(2)).join(' ')}`);
  for (const row of rows) console.log(`${row.what.padEnd(62)} ${row.rate.toFixed(0).padStart(7)}   ratio ${row.ratio.toFixed(2)}`);
  console.log(`mean handle+settle per event: lobby ${lobby.handleMs.toFixed(1)} ms, room ${room.handleMs.toFixed(1)} ms`);
  console.log(JSON.stringify({ rawWritesPerSecond: Math.round(raw), lobbyEventsPerSecond: Math.round(lobby.perSecond), roomEventsPerSecond: Math.round(room.perSecond), lobbyRatio: +(lobby.perSecond / raw).toFixed(3), roomRatio: +(room.perSecond / raw).toFixed(3), lobbyTripsPerEvent: +lobby.tripsPerEvent.toFixed(2), roomTripsPerEvent: +room.tripsPerEvent.toFixed(2), loadAverage: loadavg()[0] }));
} finally {
  await client.close();
  await Promise.all([bus.stop(), azurite.stop()]);
}
// Stopped consumers can leave a session accept pending in the SDK (a 60 s attach timer it cannot cancel).
process.exit();
