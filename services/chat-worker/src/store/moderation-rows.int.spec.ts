import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimKeys, directoryKeys, roomConversation, roomInfoKeys, roomVoiceKeys, Tables } from '@parley/contracts';
import { startAzurite, startTables, type StandIn } from '@parley/testkit';
import type { ProjectionWrite } from '../rules/index.js';
import { tableRows } from '../testing/worker.js';
import type { FrameCommit } from './chat-store.js';
import { TableChatStore } from './table-store.js';

const hub = 'chat';
const room = 'dev/#?% ü';
const at = '2025-03-04T05:06:07.000Z';

const commit = (user: string, clientId: string, eventId: string, writes: ProjectionWrite[], extra: Partial<FrameCommit> = {}): FrameCommit => ({
  hub,
  conversation: roomConversation(room),
  user,
  clientId,
  claim: { eventId, state: '{}' },
  writes,
  members: [],
  ...extra,
});
const join = (user: string, eventId: string): ProjectionWrite => ({ kind: 'putMember', hub, room, user, joinedAt: at, eventId });

describe.each([
  ['emulators/tables', startTables],
  ['Azurite', startAzurite],
] as const)('members, moderation and directory rows against %s', (_name, startService) => {
  let service: StandIn;
  let store: TableChatStore;
  const rows = async (table: string) => tableRows(service.connectionString, table);

  beforeAll(async () => {
    service = await startService();
    store = new TableChatStore({ kind: 'connectionString', connectionString: service.connectionString });
    await store.init();
  });
  afterAll(async () => {
    await service?.stop();
  });

  it('counts a room with its row\'s ETag: of two changes decided on the same version, the second is stale and writes nothing', async () => {
    const created: ProjectionWrite = { kind: 'putRoom', hub, room, visibility: 'public', createdBy: 'alice', createdAt: at, eventId: 'E1', members: 1 };
    expect(await store.commitFrame(commit('alice', 'j1', 'E1', [created, join('alice', 'E1')]))).toEqual({ kind: 'committed' });
    const loaded = await store.roomRow(hub, room);
    expect(loaded).toMatchObject({ visibility: 'public', createdBy: 'alice', members: 1 });
    const count = (members: number): ProjectionWrite => ({ kind: 'countRoom', hub, room, members, etag: loaded!.etag });

    expect(await store.commitFrame(commit('bob', 'j1', 'E2', [join('bob', 'E2'), count(2)]))).toEqual({ kind: 'committed' });
    expect(await store.commitFrame(commit('carol', 'j1', 'E3', [join('carol', 'E3'), count(2)]))).toEqual({ kind: 'stale' });

    expect(await store.roomRow(hub, room)).toMatchObject({ members: 2 });
    expect(await store.countMembers(hub, room)).toBe(2);
    const keys = (await rows(Tables.messages)).map((row) => row.rowKey);
    expect(keys).not.toContain(claimKeys(hub, roomConversation(room), 'carol', 'j1').rowKey);
    expect(await store.memberRow(hub, room, 'carol')).toBeUndefined();
    // A join writes the member's voice row with the membership.
    expect(await store.hasVoice(hub, room, 'bob')).toBe(true);
  });

  it('checks a room send\'s voice row: once a mute took it away, the commit is stale and stores nothing', async () => {
    const message = (id: string, eventId: string): ProjectionWrite => ({
      kind: 'putMessage',
      hub,
      conversation: roomConversation(room),
      message: { type: 'message', id: eventId, clientId: id, from: 'bob', room, text: 'hi', at },
    });
    expect(await store.commitFrame(commit('bob', 's1', '01JMSG00000000000000000001', [message('s1', '01JMSG00000000000000000001')], { voices: ['bob'] }))).toEqual({ kind: 'committed' });
    const mute: ProjectionWrite[] = [
      { kind: 'putMemberRow', hub, room, user: 'bob', row: { joinedAt: at, eventId: 'E2', mutedUntil: '2030-01-01T00:00:00.000Z' } },
      { kind: 'removeVoice', hub, room, user: 'bob' },
    ];
    expect(await store.commitFrame(commit('alice', 'm1', 'E4', mute))).toEqual({ kind: 'committed' });
    expect(await store.memberRow(hub, room, 'bob')).toEqual({ joinedAt: at, eventId: 'E2', mutedUntil: '2030-01-01T00:00:00.000Z' });
    expect(await store.commitFrame(commit('bob', 's2', '01JMSG00000000000000000002', [message('s2', '01JMSG00000000000000000002')], { voices: ['bob'] }))).toEqual({ kind: 'stale' });
    expect((await rows(Tables.messages)).filter((row) => row.text === 'hi')).toHaveLength(1);

    // Unmuted: the row is replaced without the mute (a merge could not remove it), the voice row is back.
    const unmute: ProjectionWrite[] = [
      { kind: 'putMemberRow', hub, room, user: 'bob', row: { joinedAt: at, eventId: 'E2' } },
      { kind: 'putVoice', hub, room, user: 'bob' },
    ];
    expect(await store.commitFrame(commit('alice', 'm2', 'E5', unmute))).toEqual({ kind: 'committed' });
    expect(await store.memberRow(hub, room, 'bob')).toEqual({ joinedAt: at, eventId: 'E2' });
    expect(await store.commitFrame(commit('bob', 's2', '01JMSG00000000000000000002', [message('s2', '01JMSG00000000000000000002')], { voices: ['bob'] }))).toEqual({ kind: 'committed' });
  });

  it('keeps bans, lists members with their rows, and reads presence and names', async () => {
    await store.apply([
      { kind: 'putBan', hub, room, user: 'mallory', by: 'alice', at, eventId: 'E6' },
      { kind: 'putBan', hub, room, user: 'eve', by: 'alice', at, eventId: 'E7' },
      { kind: 'putMemberRow', hub, room, user: 'alice', row: { joinedAt: at, eventId: 'E1', role: 'moderator' } },
      { kind: 'putPresence', hub, user: 'alice', online: true, connectionCount: 1, lastSeen: at },
      { kind: 'putProfile', hub, user: 'alice', name: 'Alice A' },
    ]);
    expect(await store.isBanned(hub, room, 'mallory')).toBe(true);
    expect(await store.isBanned(hub, room, 'bob')).toBe(false);
    expect((await store.roomBans(hub, room, 10)).sort()).toEqual(['eve', 'mallory']);
    expect(await store.roomBans(hub, room, 1)).toHaveLength(1);
    expect(await store.roomMembers(hub, room, 10)).toEqual([
      { user: 'alice', row: { joinedAt: at, eventId: 'E1', role: 'moderator' } },
      { user: 'bob', row: { joinedAt: at, eventId: 'E2' } },
    ]);
    const presence = await store.presenceOf(hub, ['alice', 'bob']);
    expect(Object.fromEntries(presence)).toEqual({ alice: { online: true, name: 'Alice A' }, bob: { online: false } });
    await store.apply([{ kind: 'removeBan', hub, room, user: 'eve' }]);
    expect(await store.roomBans(hub, room, 10)).toEqual(['mallory']);
  });

  it('a redelivery applies only the writes outside the partition its claim was committed in', async () => {
    const voice = roomVoiceKeys(hub, room, 'bob');
    await store.commitFrame(commit('alice', 'm3', 'E8', [{ kind: 'removeVoice', hub, room, user: 'bob' }]));
    // The decision of an earlier event, applied again after its claim was found held: the room's rows stay as later events left them.
    await store.apply([join('bob', 'E2'), { kind: 'copyToDirectory', hub, room }], { hub, conversation: roomConversation(room) });
    expect((await rows(Tables.messages)).map((row) => row.rowKey)).not.toContain(voice.rowKey);
    expect(await rows(Tables.directory)).toEqual([{ ...directoryKeys(hub, room), room, members: 2 }]);
    expect((await rows(Tables.memberships)).some((row) => row.user === 'bob' && row.room === room)).toBe(true);
    expect((await rows(Tables.messages)).find((row) => row.rowKey === roomInfoKeys(hub, room).rowKey)).toMatchObject({ members: 2 });
  });

  it('pages public rooms by name prefix with their rooms\' counts, hides rooms without members and private rooms', async () => {
    const names = ['design', 'dev', 'devops', 'de~x', 'zeta', 'déjà vu', '🎉 party', 'de/empty', 'dev-private'];
    const create = (name: string, members: number): ProjectionWrite => ({
      kind: 'putRoom', hub, room: name, visibility: name.endsWith('private') ? 'private' : 'public', createdBy: 'alice', createdAt: at, eventId: 'E', members,
    });
    await store.apply(names.map((name, i) => create(name, i + 1)));
    const devops = await store.roomRow(hub, 'devops');
    const empty = await store.roomRow(hub, 'de/empty');
    await store.apply([
      { kind: 'countRoom', hub, room: 'devops', members: 9, etag: devops!.etag },
      { kind: 'countRoom', hub, room: 'de/empty', members: 0, etag: empty!.etag },
    ]);
    await store.apply(names.map((name): ProjectionWrite => ({ kind: 'copyToDirectory', hub, room: name })));

    const page = (prefix: string, limit: number, after?: string) => store.directoryPage(hub, after === undefined ? { prefix, limit } : { prefix, limit, after });
    // Key order: names as encoded, so "dev/…" (dev%2F…) comes before "devops"; one row past the limit tells there is more.
    expect(await page('de', 2)).toEqual([
      { room: 'design', members: 1 },
      { room: 'dev', members: 2 },
      { room: room, members: 2 },
    ]);
    expect(await page('de', 2, 'dev')).toEqual([{ room: room, members: 2 }, { room: 'devops', members: 9 }, { room: 'de~x', members: 4 }]);
    expect(await page('de', 5, 'devops')).toEqual([{ room: 'de~x', members: 4 }]);
    expect(await page('dé', 5)).toEqual([{ room: 'déjà vu', members: 6 }]);
    expect(await page('🎉', 5)).toEqual([{ room: '🎉 party', members: 7 }]);
    expect(await page('de~', 5)).toEqual([{ room: 'de~x', members: 4 }]);
    expect((await page('', 100)).map((row) => row.room)).not.toContain('de/empty');
    expect((await page('', 100)).length).toBe(8);
  });
});
