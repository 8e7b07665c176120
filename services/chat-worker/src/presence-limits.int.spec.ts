import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceBusClient } from '@azure/service-bus';
import { ErrorCodes, Tables, type ChatEvent } from '@parley/contracts';
import { startServiceBus, startTables, type StandIn } from '@parley/testkit';
import { drainNotifications, events, parleyBusConfig, sendEvents, testBusClient } from './testing/bus.js';
import { commandsByEvent, startTestWorker, tableRows, waitFor, type ReceivedCommand, type TestWorker } from './testing/worker.js';

/**
 * What must hold whatever gateway or worker handles a connection's events, and in whatever
 * order they reach the bus: presence from tombstoned connection rows, the per-user connection
 * cap and the per-user rate. Real broker, real Table emulator.
 */
describe('chat-worker: presence and per-user limits, order-insensitive', { timeout: 120_000 }, () => {
  let bus: StandIn;
  let tables: StandIn;
  let client: ServiceBusClient;
  let worker: TestWorker;
  let handled = 0;

  async function process(...list: ChatEvent[]): Promise<void> {
    await sendEvents(client, list);
    handled += list.length;
    await waitFor(() => worker.settled(), (n) => n >= handled, 60_000, `${handled} settled messages`);
  }
  const only = (map: Map<string, ReceivedCommand[]>, event: ChatEvent) => (map.get(event.metadata.eventId) ?? []).map((c) => c.command);
  const row = async (table: string, user: string) => (await tableRows(tables.connectionString, table)).filter((r) => r.user === user);
  /** Drains until the marker event's commands arrived: everything its session published before is in. */
  async function commandsUpTo(marker: ChatEvent): Promise<Map<string, ReceivedCommand[]>> {
    const all = new Map<string, ReceivedCommand[]>();
    await waitFor(
      async () => {
        for (const [id, list] of commandsByEvent(await drainNotifications(client, 0, 3_000))) all.set(id, [...(all.get(id) ?? []), ...list]);
        return all.has(marker.metadata.eventId);
      },
      Boolean,
      60_000,
      `the commands of marker ${marker.metadata.eventId}`,
    );
    return all;
  }

  beforeAll(async () => {
    [bus, tables] = await Promise.all([startServiceBus({ config: parleyBusConfig({ notifications: { RequiresDuplicateDetection: false } }) }), startTables()]);
    client = testBusClient(bus.connectionString);
    worker = await startTestWorker({ bus: bus.connectionString, tables: tables.connectionString, presence: { maxConnectionsPerUser: 2, tombstoneMs: 3_600_000 } });
  });
  afterAll(async () => {
    await worker?.stop();
    await client?.close();
    await Promise.all([bus?.stop(), tables?.stop()]);
  });

  it('a disconnected handled before its connected leaves the user offline: the late connected opens nothing', async () => {
    const gone = { user: 'gina', connectionId: 'conn-gina-1' };
    const connectedAt = new Date(Date.now() - 1_000).toISOString();
    const connected = events.connected({ ...gone, receivedAt: connectedAt });
    const disconnected = events.disconnected(gone);
    // The disconnect reached the bus first (another gateway sent it sooner), and the worker handled it first.
    await process(disconnected);
    await process(connected);
    const marker = events.message(gone, { type: 'send', id: 'gina-marker', text: 'marker' });
    await process(marker);

    const sent = await commandsUpTo(marker);
    expect(only(sent, connected)).toEqual([]);
    expect(only(sent, disconnected)).toEqual([{ action: 'sendToAll', hub: 'chat', frame: { type: 'presence', user: 'gina', online: false } }]);
    expect(await row(Tables.presence, 'gina')).toEqual([expect.objectContaining({ online: false, connectionCount: 0 })]);
    expect(await row(Tables.connections, 'gina')).toEqual([
      expect.objectContaining({ connectionId: 'conn-gina-1', closedAt: disconnected.metadata.receivedAt, eventId: disconnected.metadata.eventId }),
    ]);

    // A new connection of the same user is online as usual, and the next one to see presence sees her.
    const again = events.connected({ ...gone, connectionId: 'conn-gina-2' });
    await process(again);
    const sentAgain = await commandsUpTo(again);
    expect(only(sentAgain, again)).toContainEqual({ action: 'sendToAll', hub: 'chat', frame: { type: 'presence', user: 'gina', online: true } });
    expect(await row(Tables.presence, 'gina')).toEqual([expect.objectContaining({ online: true, connectionCount: 1 })]);
  });

  it('refuses a connection past the per-user cap: an error frame, then the close, and it never counts', async () => {
    const hal = (n: number) => ({ user: 'hal', connectionId: `conn-hal-${n}` });
    const [first, second, third] = [1, 2, 3].map((n) => events.connected(hal(n)));
    await process(first!, second!, third!);
    const thirdGoes = events.disconnected(hal(3));
    await process(thirdGoes);
    const marker = events.message(hal(1), { type: 'send', id: 'hal-marker', text: 'marker' });
    await process(marker);

    const sent = await commandsUpTo(marker);
    expect(only(sent, third!)).toEqual([
      { action: 'sendToConnection', hub: 'chat', connectionId: 'conn-hal-3', frame: { type: 'error', id: '', error: { code: ErrorCodes.tooManyConnections, message: expect.stringContaining('at most 2') } } },
      { action: 'closeConnection', hub: 'chat', connectionId: 'conn-hal-3', reason: expect.stringMatching(/^PARLEY_TOO_MANY_CONNECTIONS: /) },
    ]);
    expect(only(sent, thirdGoes)).toEqual([]);
    expect(await row(Tables.presence, 'hal')).toEqual([expect.objectContaining({ online: true, connectionCount: 2 })]);
    const connections = await row(Tables.connections, 'hal');
    expect(connections.filter((c) => c.closedAt === undefined).map((c) => c.connectionId)).toEqual(['conn-hal-1', 'conn-hal-2']);
    expect(connections.find((c) => c.connectionId === 'conn-hal-3')).toMatchObject({ refused: ErrorCodes.tooManyConnections });
  });

  it('holds a user to the rate stamped by the gateway, by event time, and keeps refused frames out of the log', async () => {
    const ivy = { user: 'ivy', connectionId: 'conn-ivy-1', rateLimit: { perSecond: 1, burst: 2 } };
    const at = new Date().toISOString();
    // Sent as a burst through two connections (two gateways would stamp them so): burst + 1 pass, the rest are refused.
    const frames = Array.from({ length: 6 }, (_, i) =>
      events.message({ ...ivy, connectionId: `conn-ivy-${(i % 2) + 1}`, receivedAt: at }, { type: 'send', id: `ivy-${i}`, text: `m${i}` }),
    );
    await process(...frames);
    const later = events.message({ ...ivy, receivedAt: new Date(Date.parse(at) + 1_000).toISOString() }, { type: 'send', id: 'ivy-later', text: 'later' });
    await process(later);

    const sent = await commandsUpTo(later);
    const refused = frames.filter((event) => only(sent, event)[0]?.action === 'sendToConnection');
    expect(frames.map((event) => only(sent, event)[0]?.action)).toEqual(['sendToAll', 'sendToAll', 'sendToAll', 'sendToConnection', 'sendToConnection', 'sendToConnection']);
    for (const event of refused) {
      expect(only(sent, event)).toEqual([
        { action: 'sendToConnection', hub: 'chat', connectionId: event.metadata.connectionId, frame: { type: 'error', id: (event as { data: { frame: { id: string } } }).data.frame.id, error: { code: ErrorCodes.rateLimited, message: expect.any(String) } } },
      ]);
    }
    // A second later one token came back.
    expect(only(sent, later)[0]).toMatchObject({ action: 'sendToAll', frame: { text: 'later' } });
    const logged = new Set((await tableRows(tables.connectionString, Tables.events)).map((r) => r.rowKey));
    expect(frames.map((event) => logged.has(event.metadata.eventId))).toEqual([true, true, true, false, false, false]);

    // Over the rate again: a resend of a stored frame (its ack was lost) is recognised, not refused; a new frame is refused.
    const resend = events.message({ ...ivy, receivedAt: at }, { type: 'send', id: 'ivy-0', text: 'm0' });
    const fresh = events.message({ ...ivy, receivedAt: at }, { type: 'send', id: 'ivy-new', text: 'new' });
    await process(resend, fresh);
    const sentAfter = await commandsUpTo(fresh);
    expect(only(sentAfter, resend)).toEqual([]);
    expect(only(sentAfter, fresh)).toEqual([expect.objectContaining({ frame: expect.objectContaining({ type: 'error', id: 'ivy-new', error: expect.objectContaining({ code: ErrorCodes.rateLimited }) }) })]);
  });
});
