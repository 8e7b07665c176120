import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TableClient } from '@azure/data-tables';
import {
  directConversation,
  eventLogShard,
  eventsShardKey,
  lobby,
  ONLINE_LIST_LIMIT,
  roomConversation,
  Tables,
  type ChatEvent,
  type MessageFrame,
} from '@parley/contracts';
import { isPermanent } from '@parley/service-kit';
import { azuriteConnectionString, freePort, startAzurite, startTables, type StandIn } from '@parley/testkit';
import { WorkerErrorCodes } from '../errors.js';
import { TableChatStore } from './table-store.js';

const hub = 'chat';
// Names that must survive as keys: slash, hash, question mark, percent, quotes, non-ASCII.
const room = "a/b#c?d%25'e";
const user = 'zoë "o\'neil"';

function event(eventId: string, receivedAt = '2025-03-04T05:06:07.000Z'): ChatEvent {
  return {
    type: 'chat.message',
    version: 1,
    data: { frame: { type: 'send', id: 'c1', text: 'hi' } },
    metadata: { eventId, hub, connectionId: 'conn-1', userId: 'alice', receivedAt },
  };
}

function message(i: number, conversationRoom?: string): MessageFrame {
  const at = new Date(Date.UTC(2025, 0, 1, 0, 0, i)).toISOString();
  return { type: 'message', id: `01JMSG${String(i).padStart(20, '0')}`, clientId: `c${i}`, from: 'bob', text: `m${i}`, at, ...(conversationRoom ? { room: conversationRoom } : {}) };
}

// Both Table services the stack can run: the worker's transactions and range queries must work on each.
describe.each([
  ['Azurite', startAzurite],
  ['emulators/tables', startTables],
] as const)('TableChatStore against %s', (_name, startService) => {
  let azurite: StandIn;
  let store: TableChatStore;

  beforeAll(async () => {
    azurite = await startService();
    store = new TableChatStore({ kind: 'connectionString', connectionString: azurite.connectionString });
    await store.init();
    await store.init(); // existing tables are fine
  });
  afterAll(async () => {
    await azurite?.stop();
  });

  it('appends an event once: the second append of the same id reports it exists and keeps the first', async () => {
    const first = event('01JEVT00000000000000000001');
    expect(await store.appendEvent(first, new Date(first.metadata.receivedAt))).toBe('appended');
    expect(await store.appendEvent(first, new Date(first.metadata.receivedAt))).toBe('exists');

    const events = TableClient.fromConnectionString(azurite.connectionString, Tables.events, { allowInsecureConnection: true });
    // In the hour's shard of the event's user.
    const partition = eventsShardKey(hub, new Date('2025-03-04T05:00:00Z'), eventLogShard('alice'));
    const row = await events.getEntity<{ envelope: string; type: string }>(partition, first.metadata.eventId);
    expect(row.type).toBe('chat.message');
    expect(JSON.parse(row.envelope)).toEqual(first);
  });

  it('commits a claim with its message in one transaction: the first event holds it, a second gets the frozen state back', async () => {
    const pair = directConversation(user, 'bob');
    const write = { kind: 'putMessage', hub, conversation: pair, message: message(20) } as const;
    const ours = { eventId: 'E1', state: '{"type":"send","state":{"kind":"direct","recipientKnown":true}}' };
    const commit = { hub, conversation: pair, user, clientId: 'c9', claim: ours, writes: [write], members: [] };
    expect(await store.commitFrame(commit)).toEqual({ kind: 'committed' });
    expect(await store.commitFrame({ ...commit, claim: { eventId: 'E2', state: '{}' } })).toEqual({ kind: 'held', claim: ours });
    expect(await store.commitFrame({ ...commit, clientId: 'c10', claim: { eventId: 'E2' }, writes: [] })).toEqual({ kind: 'committed' });
    // The same id aimed at another conversation is another claim.
    expect(await store.commitFrame({ ...commit, conversation: roomConversation(room), writes: [] })).toEqual({ kind: 'committed' });
    expect((await store.readHistory(hub, { conversation: pair, limit: 10 })).map((row) => row.message.text)).toEqual(['m20']);
  });

  it('commits a room message only while the sender is a member; otherwise stale, and nothing is written', async () => {
    const talk = 'talk/1';
    const send = (clientId: string, i: number) => ({
      hub,
      conversation: roomConversation(talk),
      user,
      clientId,
      claim: { eventId: `E${clientId}` },
      writes: [{ kind: 'putMessage', hub, conversation: roomConversation(talk), message: message(i, talk) } as const],
      members: [user],
    });
    expect(await store.commitFrame(send('s1', 1))).toEqual({ kind: 'stale' });
    await store.apply([{ kind: 'putMember', hub, room: talk, user, joinedAt: '2025-01-01T00:00:00.000Z', eventId: 'J1' }]);
    expect(await store.commitFrame(send('s1', 1))).toEqual({ kind: 'committed' });
    await store.apply([{ kind: 'removeMember', hub, room: talk, user }]);
    expect(await store.commitFrame(send('s2', 2))).toEqual({ kind: 'stale' });
    expect((await store.readHistory(hub, { conversation: roomConversation(talk), limit: 10 })).map((row) => row.message.text)).toEqual(['m1']);
    // A leave deletes the member row inside the commit: a second leave finds it gone (stale), writes nothing.
    await store.apply([{ kind: 'putMember', hub, room: talk, user, joinedAt: '2025-01-01T00:00:00.000Z', eventId: 'J2' }]);
    const leave = (clientId: string) => ({ ...send(clientId, 0), writes: [{ kind: 'removeMember', hub, room: talk, user } as const] });
    expect(await store.commitFrame(leave('l1'))).toEqual({ kind: 'committed' });
    expect(await store.roomsOf(hub, user)).not.toContain(talk);
    expect(await store.commitFrame(leave('l2'))).toEqual({ kind: 'stale' });
    expect(await store.roomExists(hub, talk)).toBe(false);
  });

  it('counts its round trips per view: a room message commit is one', async () => {
    const seen: string[] = [];
    const counted = store.forEvent((table, operation) => seen.push(`${operation} ${table}`));
    await counted.apply([{ kind: 'putMember', hub, room: 'counted', user: 'carl', joinedAt: '2025-01-01T00:00:00.000Z', eventId: 'J3' }]);
    seen.length = 0;
    const write = { kind: 'putMessage', hub, conversation: roomConversation('counted'), message: message(3, 'counted') } as const;
    await counted.commitFrame({ hub, conversation: roomConversation('counted'), user: 'carl', clientId: 'k1', claim: { eventId: 'K1' }, writes: [write], members: ['carl'] });
    expect(seen).toEqual([`transaction ${Tables.messages}`]);
  });

  it('keeps membership in both directions, with awkward names, and removes it idempotently', async () => {
    expect(await store.roomExists(hub, room)).toBe(false);
    const put = { kind: 'putMember', hub, room, user, joinedAt: '2025-01-01T00:00:00.000Z', eventId: 'E3' } as const;
    await store.apply([put]);
    await store.apply([put]);

    expect(await store.roomExists(hub, room)).toBe(true);
    expect(await store.isMember(hub, room, user)).toBe(true);
    expect(await store.isMember(hub, room, 'alice')).toBe(false);
    expect(await store.roomsOf(hub, user)).toEqual([room]);
    expect(await store.roomExists('other-hub', room)).toBe(false);

    await store.apply([{ kind: 'removeMember', hub, room, user }]);
    await store.apply([{ kind: 'removeMember', hub, room, user }]);
    expect(await store.isMember(hub, room, user)).toBe(false);
    expect(await store.roomExists(hub, room)).toBe(false);
    expect(await store.roomsOf(hub, user)).toEqual([]);
  });

  it('tracks connections and presence; known users are those with a presence row', async () => {
    expect(await store.isKnownUser(hub, user)).toBe(false);
    await store.apply([
      { kind: 'putConnection', hub, user, connectionId: 'k/1', connectedAt: '2025-01-01T00:00:00.000Z', eventId: 'E4' },
      { kind: 'putConnection', hub, user, connectionId: 'k/2', connectedAt: '2025-01-01T00:00:00.000Z', eventId: 'E5' },
      { kind: 'putPresence', hub, user, online: true, connectionCount: 2, lastSeen: '2025-01-01T00:00:00.000Z' },
      { kind: 'putPresence', hub, user: 'carol', online: false, connectionCount: 0, lastSeen: '2025-01-01T00:00:00.000Z' },
    ]);
    expect(await store.connectionsOf(hub, user)).toEqual([{ connectionId: 'k/1' }, { connectionId: 'k/2' }]);
    expect(await store.isKnownUser(hub, user)).toBe(true);
    expect(await store.isKnownUser(hub, 'carol')).toBe(true);
    expect(await store.onlineUsers(hub)).toEqual([user]);

    // A tombstone closes a connection for good: a later putConnection (its connected, handled late) leaves it closed.
    const closedAt = '2025-01-01T00:01:00.000Z';
    await store.apply([{ kind: 'closeConnection', hub, user, connectionId: 'k/1', closedAt, eventId: 'E6' }]);
    await store.apply([{ kind: 'putConnection', hub, user, connectionId: 'k/1', connectedAt: '2025-01-01T00:00:00.000Z', eventId: 'E4' }]);
    await store.apply([{ kind: 'closeConnection', hub, user, connectionId: 'k/3', closedAt, eventId: 'E7', refused: 'PARLEY_TOO_MANY_CONNECTIONS' }]);
    await store.apply([{ kind: 'putConnection', hub, user, connectionId: 'k/3', connectedAt: closedAt, eventId: 'E8' }]);
    expect(await store.connectionsOf(hub, user)).toEqual([{ connectionId: 'k/1', closedAt }, { connectionId: 'k/2' }, { connectionId: 'k/3', closedAt }]);

    // Forgetting a tombstone is idempotent.
    await store.apply([{ kind: 'removeConnection', hub, user, connectionId: 'k/1' }]);
    await store.apply([{ kind: 'removeConnection', hub, user, connectionId: 'k/1' }]);
    expect(await store.connectionsOf(hub, user)).toEqual([{ connectionId: 'k/2' }, { connectionId: 'k/3', closedAt }]);
  });

  it('reads a bounded online list, spread over the presence shards, whatever the number online', async () => {
    const many = Array.from({ length: ONLINE_LIST_LIMIT + 100 }, (_, i) => `many-${i}`);
    const lastSeen = '2025-01-01T00:00:00.000Z';
    await store.apply(many.map((name) => ({ kind: 'putPresence', hub: 'big', user: name, online: true, connectionCount: 1, lastSeen }) as const));
    const online = await store.onlineUsers('big');
    expect(online.length).toBeLessThanOrEqual(ONLINE_LIST_LIMIT);
    expect(online.length).toBeGreaterThan(ONLINE_LIST_LIMIT / 2);
    expect(new Set(online).size).toBe(online.length);
    for (const name of online) expect(many).toContain(name);
  });

  it('pages history newest first, per conversation, continuing after a row key', async () => {
    const writes = [1, 2, 3, 4, 5].map((i) => ({ kind: 'putMessage', hub, conversation: roomConversation(room), message: message(i, room) }) as const);
    await store.apply(writes);
    await store.apply(writes); // a redelivery rewrites the same rows
    await store.apply([{ kind: 'putMessage', hub, conversation: lobby(), message: message(9) }]);

    const first = await store.readHistory(hub, { conversation: roomConversation(room), limit: 2 });
    expect(first.map((row) => row.message.text)).toEqual(['m5', 'm4', 'm3']);
    expect(first[0]!.message).toEqual(message(5, room));

    const rest = await store.readHistory(hub, { conversation: roomConversation(room), limit: 10, afterRowKey: first[1]!.rowKey });
    expect(rest.map((row) => row.message.text)).toEqual(['m3', 'm2', 'm1']);
    expect((await store.readHistory(hub, { conversation: lobby(), limit: 10 })).map((row) => row.message.text)).toEqual(['m9']);
  });

  it('creates a table again that went away, and reads it as empty rather than failing', async () => {
    const presence = TableClient.fromConnectionString(azurite.connectionString, Tables.presence, { allowInsecureConnection: true });
    await presence.deleteTable();
    expect(await store.isKnownUser(hub, user)).toBe(false);
    await presence.deleteTable();
    await store.apply([{ kind: 'putPresence', hub, user, online: true, connectionCount: 1, lastSeen: '2025-01-01T00:00:00.000Z' }]);
    expect(await store.onlineUsers(hub)).toEqual([user]);
  });

  it('turns a write Table Storage refuses for good into a PermanentError (dead-letter), not a retry', async () => {
    const huge = { ...message(7), text: 'x'.repeat(40_000) };
    const failure = await store.apply([{ kind: 'putMessage', hub, conversation: lobby(), message: huge }]).catch((error: unknown) => error);
    expect(isPermanent(failure)).toBe(true);
    expect((failure as { reason: string }).reason).toBe(WorkerErrorCodes.storeRejected);
  });

  it('leaves an unreachable table service as a transient error (abandon and retry)', async () => {
    const nowhere = new TableChatStore({ kind: 'connectionString', connectionString: azuriteConnectionString(await freePort()) });
    const failure = await nowhere.isKnownUser(hub, user).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    expect(isPermanent(failure)).toBe(false);
  });
});
