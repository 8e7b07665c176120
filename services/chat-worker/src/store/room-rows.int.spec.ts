import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimKeys, roomConversation, roomInfoKeys, roomMemberKeys, Tables } from '@parley/contracts';
import { startAzurite, startTables, type StandIn } from '@parley/testkit';
import type { ProjectionWrite } from '../rules/index.js';
import { tableRows } from '../testing/worker.js';
import type { FrameCommit } from './chat-store.js';
import { TableChatStore } from './table-store.js';

const hub = 'chat';
const room = 'plans/#?%';

/** The join that creates a room, as the rule decides it: the room's own row, then the creator's member rows. */
function creatingJoin(user: string, eventId: string, visibility: 'public' | 'private'): FrameCommit {
  const at = '2025-03-04T05:06:07.000Z';
  const writes: ProjectionWrite[] = [
    { kind: 'putRoom', hub, room, visibility, createdBy: user, createdAt: at, eventId },
    { kind: 'putMember', hub, room, user, joinedAt: at, eventId, ...(visibility === 'private' ? { private: true } : {}) },
  ];
  return { hub, conversation: roomConversation(room), user, clientId: 'j1', claim: { eventId, state: '{"type":"join"}' }, writes, members: [] };
}

describe.each([
  ['emulators/tables', startTables],
  ['Azurite', startAzurite],
] as const)('a room\'s own row against %s', (_name, startService) => {
  let service: StandIn;
  let store: TableChatStore;

  beforeAll(async () => {
    service = await startService();
    store = new TableChatStore({ kind: 'connectionString', connectionString: service.connectionString });
    await store.init();
  });
  afterAll(async () => {
    await service?.stop();
  });

  it('is written once: a second creator\'s commit is stale and writes nothing, not even its claim', async () => {
    expect(await store.roomVisibility(hub, room)).toBeUndefined();
    expect(await store.commitFrame(creatingJoin('alice', 'E1', 'private'))).toEqual({ kind: 'committed' });
    expect(await store.commitFrame(creatingJoin('bob', 'E2', 'public'))).toEqual({ kind: 'stale' });

    expect(await store.roomVisibility(hub, room)).toBe('private');
    const rows = await tableRows(service.connectionString, Tables.messages);
    const keys = rows.map((row) => row.rowKey);
    expect(keys).toContain(roomInfoKeys(hub, room).rowKey);
    expect(keys).toContain(roomMemberKeys(hub, room, 'alice').rowKey);
    expect(keys).toContain(claimKeys(hub, roomConversation(room), 'alice', 'j1').rowKey);
    expect(keys).not.toContain(roomMemberKeys(hub, room, 'bob').rowKey);
    expect(keys).not.toContain(claimKeys(hub, roomConversation(room), 'bob', 'j1').rowKey);
    expect(await store.roomsWithVisibilityOf(hub, 'alice')).toEqual({ rooms: [room], privateRooms: [room], directChats: [] });
    expect(await store.roomsWithVisibilityOf(hub, 'bob')).toEqual({ rooms: [], privateRooms: [], directChats: [] });
  });

  it('a redelivery of the creating join finds its claim held, and applying its writes again changes nothing', async () => {
    const again = creatingJoin('alice', 'E1', 'private');
    expect(await store.commitFrame(again)).toEqual({ kind: 'held', claim: { eventId: 'E1', state: '{"type":"join"}' } });
    const before = await tableRows(service.connectionString, Tables.messages);
    await store.apply(again.writes);
    expect(await tableRows(service.connectionString, Tables.messages)).toEqual(before);
  });
});
