import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceBusClient } from '@azure/service-bus';
import {
  conversationKey,
  directConversation,
  ErrorCodes,
  messageIndexKeys,
  nextEventId,
  readPositionKeys,
  roomConversation,
  Tables,
  type ChatEvent,
  type ClientFrame,
  type NotifierCommand,
} from '@parley/contracts';
import { startServiceBus, startTables, type StandIn } from '@parley/testkit';
import { drainNotifications, events, parleyBusConfig, sendEvents, testBusClient } from './testing/bus.js';
import { commandsByEvent, snapshotTables, startTestWorker, tableRows, waitFor, type TestWorker } from './testing/worker.js';

/**
 * Read positions, mentions and unread counts through the real broker and the stack's Table
 * service (and a typing frame from an older gateway, dropped): what is relayed, what is stored,
 * and what never is.
 */
describe('chat-worker: read state, mentions, unread counts; typing dropped', { timeout: 180_000 }, () => {
  let bus: StandIn;
  let tables: StandIn;
  let client: ServiceBusClient;
  let worker: TestWorker;
  let handled = 0;
  const sent = new Map<string, NotifierCommand[]>();

  const alice = { user: 'alice', connectionId: 'conn-alice' };
  const bob = { user: 'bob', connectionId: 'conn-bob' };
  const carol = { user: 'carol', connectionId: 'conn-carol' };
  const mallory = { user: 'mallory', connectionId: 'conn-mallory' };
  const say = (who: typeof alice, frame: ClientFrame, receivedAt?: Date) =>
    events.message(receivedAt === undefined ? who : { ...who, receivedAt: receivedAt.toISOString() }, frame);

  async function process(...list: ChatEvent[]): Promise<void> {
    await sendEvents(client, list);
    handled += list.length;
    await waitFor(() => worker.settled(), (n) => n >= handled, 60_000, `${handled} settled messages`);
    const commands = commandsByEvent(await drainNotifications(client, 0, 10_000));
    for (const [eventId, list] of commands) sent.set(eventId, [...(sent.get(eventId) ?? []), ...list.map((c) => c.command)]);
  }
  const commandsOf = (event: ChatEvent) => sent.get(event.metadata.eventId) ?? [];
  const errorCodeOf = (event: ChatEvent) => {
    const commands = commandsOf(event);
    expect(commands).toHaveLength(1);
    expect(commands[0]).toMatchObject({ action: 'sendToConnection', connectionId: event.metadata.connectionId });
    return (commands[0] as { frame: { error?: { code: string } } }).frame.error?.code;
  };
  const rowsOf = async (partitionKey: string) => (await tableRows(tables.connectionString, Tables.messages)).filter((row) => row.partitionKey === partitionKey);
  const dev = conversationKey('chat', roomConversation('dev'));

  beforeAll(async () => {
    [bus, tables] = await Promise.all([startServiceBus({ config: parleyBusConfig({ notifications: { RequiresDuplicateDetection: false } }) }), startTables()]);
    client = testBusClient(bus.connectionString);
    worker = await startTestWorker({ bus: bus.connectionString, tables: tables.connectionString });
    await process(events.profile({ user: 'bob' }, 'Bob Builder'), events.connected(alice), events.connected(bob), events.connected(carol), events.connected(mallory));
    await process(say(alice, { type: 'join', id: 'j1', room: 'dev' }), say(bob, { type: 'join', id: 'j1', room: 'dev' }), say(carol, { type: 'join', id: 'j1', room: 'dev' }));
  }, 120_000);
  afterAll(async () => {
    await worker?.stop();
    await client?.close();
    await Promise.all([bus?.stop(), tables?.stop()]);
  });

  it('a typing frame on the bus (queued by a gateway of an older release) is dropped: nothing sent, nothing stored', async () => {
    const before = await snapshotTables(tables.connectionString);
    const inRoom = say(alice, { type: 'typing', id: 't1', room: 'dev' });
    const direct = say(alice, { type: 'typing', id: 't2', to: 'bob' });
    const outsider = say(mallory, { type: 'typing', id: 't3', room: 'dev' });
    await process(inRoom, direct, outsider);
    // A marker after them, on the same path: once it is stored, the typing frames were all handled.
    const marker = say(alice, { type: 'send', id: 'marker', room: 'dev', text: 'after typing' });
    await process(marker);

    for (const event of [inRoom, direct, outsider]) expect(commandsOf(event)).toEqual([]);
    expect(commandsOf(marker).length).toBeGreaterThan(0);
    // Nothing of the typing frames anywhere: every table as before, but for the marker's own rows.
    const after = await snapshotTables(tables.connectionString);
    const added = (table: string) => after[table]!.filter((row) => !before[table]!.some((old) => old.partitionKey === row.partitionKey && old.rowKey === row.rowKey));
    expect(added(Tables.events).map((row) => row.rowKey)).toEqual([marker.metadata.eventId]);
    expect(added(Tables.messages).map((row) => String(row.rowKey).replace(/^\d+_/, '<time>_')).sort()).toEqual(
      [`<time>_${marker.metadata.eventId}`, '~claim:alice:marker', messageIndexKeys('chat', roomConversation('dev'), marker.metadata.eventId).rowKey].sort(),
    );
    for (const table of [Tables.memberships, Tables.presence, Tables.connections]) expect({ table, rows: after[table] }).toEqual({ table, rows: before[table] });
    expect(after[Tables.events]).toHaveLength(before[Tables.events]!.length + 1);
  });

  it('read positions move only forward, reach the room ("seen by") and refuse what is not the reader’s', async () => {
    const first = say(bob, { type: 'send', id: 'b1', room: 'dev', text: 'one' });
    const second = say(bob, { type: 'send', id: 'b2', room: 'dev', text: 'two' });
    const dm = say(bob, { type: 'send', id: 'b3', to: 'alice', text: 'psst' });
    await process(first, second, dm);
    const [m1, m2, m3] = [first, second, dm].map((event) => event.metadata.eventId);

    const readSecond = say(alice, { type: 'read', id: 'r1', room: 'dev', message: m2! });
    const readFirst = say(alice, { type: 'read', id: 'r2', room: 'dev', message: m1! });
    const readUnknown = say(alice, { type: 'read', id: 'r3', room: 'dev', message: nextEventId() });
    const readOtherConversation = say(alice, { type: 'read', id: 'r4', room: 'dev', message: m3! });
    const readByOutsider = say(mallory, { type: 'read', id: 'r5', room: 'dev', message: m1! });
    const readDirect = say(alice, { type: 'read', id: 'r6', to: 'bob', message: m3! });
    await process(readSecond, readFirst, readUnknown, readOtherConversation, readByOutsider, readDirect);

    const seen = { type: 'read', user: 'alice', room: 'dev', message: m2, at: second.metadata.receivedAt };
    expect(commandsOf(readSecond)).toEqual([{ action: 'sendToGroup', hub: 'chat', group: 'room:dev', frame: seen }]);
    // An older message than the position: accepted, nothing changes and nothing is delivered.
    expect(commandsOf(readFirst)).toEqual([]);
    expect(errorCodeOf(readUnknown)).toBe(ErrorCodes.unknownMessage);
    expect(errorCodeOf(readOtherConversation)).toBe(ErrorCodes.unknownMessage);
    expect(errorCodeOf(readByOutsider)).toBe(ErrorCodes.notMember);
    const direct = { type: 'read', user: 'alice', to: 'bob', message: m3, at: dm.metadata.receivedAt };
    expect(commandsOf(readDirect)).toEqual([
      { action: 'sendToUser', hub: 'chat', userId: 'bob', frame: direct },
      { action: 'sendToUser', hub: 'chat', userId: 'alice', frame: direct },
    ]);

    const position = (await rowsOf(dev)).find((row) => row.rowKey === readPositionKeys('chat', roomConversation('dev'), 'alice').rowKey);
    expect(position).toMatchObject({ user: 'alice', messageId: m2, at: second.metadata.receivedAt, eventId: readSecond.metadata.eventId });
    expect((await rowsOf(dev)).filter((row) => String(row.rowKey).startsWith('~read:'))).toHaveLength(1);
    const directKey = conversationKey('chat', directConversation('alice', 'bob'));
    expect((await rowsOf(directKey)).find((row) => String(row.rowKey).startsWith('~read:'))).toMatchObject({ user: 'alice', messageId: m3 });
    // Every read is in the event log, refused ones included (a rebuild decides them the same).
    const logged = new Set((await tableRows(tables.connectionString, Tables.events)).map((row) => row.rowKey));
    for (const read of [readSecond, readFirst, readUnknown, readByOutsider, readDirect]) expect(logged.has(read.metadata.eventId)).toBe(true);
  });

  it('mentions of members by id or display name are stored with the message and ride on its frame', async () => {
    const mention = say(alice, { type: 'send', id: 'a-m1', room: 'dev', text: 'hi @Bob Builder, @carol and @mallory' });
    const noAt = say(alice, { type: 'send', id: 'a-m2', room: 'dev', text: 'no mention of bob' });
    await process(mention, noAt);
    const [frame] = commandsOf(mention) as Array<{ frame: { mentions?: string[] } }>;
    expect(frame!.frame.mentions).toEqual(['bob', 'carol']);
    expect('mentions' in (commandsOf(noAt)[0] as { frame: object }).frame).toBe(false);
    const stored = (await rowsOf(dev)).find((row) => row.messageId === mention.metadata.eventId);
    expect(stored?.mentions).toBe(JSON.stringify(['bob', 'carol']));
  });

  it('a new connection’s state frame counts the unread messages after the read position, and the mentions among them', async () => {
    const forAlice = say(bob, { type: 'send', id: 'b4', room: 'dev', text: '@alice look' });
    const other = say(carol, { type: 'send', id: 'c1', room: 'dev', text: 'and this' });
    await process(forAlice, other);
    const second = { user: 'alice', connectionId: 'conn-alice-2' };
    const connect = events.connected(second);
    await process(connect);
    const state = commandsOf(connect).find((command) => command.action === 'sendToConnection') as { frame: { type: string; unread?: unknown } };
    expect(state.frame.type).toBe('state');
    // Alice's own messages never count; her position is bob's "two".
    const lastRead = (await rowsOf(dev)).find((row) => String(row.rowKey).startsWith('~read:alice'))?.messageId;
    const directRead = (await rowsOf(conversationKey('chat', directConversation('alice', 'bob')))).find((row) => String(row.rowKey).startsWith('~read:alice'))?.messageId;
    // Her direct chat with bob is listed although nothing in it is unread: every device shows it.
    expect(state.frame.unread).toEqual([
      { room: 'dev', count: 2, mentions: 1, lastRead },
      { with: 'bob', count: 0, mentions: 0, lastRead: directRead },
    ]);
  });

  it('direct messages list the chat for both users; one who was away finds it, with its unread count, at connect', async () => {
    const first = say(bob, { type: 'send', id: 'b-dm-1', to: 'carol', text: 'are you there?' });
    const second = say(bob, { type: 'send', id: 'b-dm-2', to: 'carol', text: 'ping' });
    await process(first, second);
    const listings = (await tableRows(tables.connectionString, Tables.memberships)).filter((row) => typeof row.peer === 'string');
    const pairs = listings.map((row) => `${String(row.user)}→${String(row.peer)}`).sort();
    expect(pairs).toEqual(['alice→bob', 'bob→alice', 'bob→carol', 'carol→bob']);

    const connect = events.connected({ user: 'carol', connectionId: 'conn-carol-2' });
    await process(connect);
    const state = commandsOf(connect).find((command) => command.action === 'sendToConnection') as { frame: { type: string; unread?: Array<{ with?: string }> } };
    expect(state.frame.type).toBe('state');
    expect(state.frame.unread?.filter((count) => count.with !== undefined)).toEqual([{ with: 'bob', count: 2, mentions: 0 }]);
  });
});
