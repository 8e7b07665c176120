import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TableClient } from '@azure/data-tables';
import { conversationKey, Limits, lobby, messageIndexKeys, messageRowKey, roomConversation, roomMemberKeys, Tables, type Conversation, type MessageFrame } from '@parley/contracts';
import { startAzurite, startTables, type StandIn } from '@parley/testkit';
import type { MessageChange, ProjectionWrite } from '../rules/index.js';
import { tableRows } from '../testing/worker.js';
import type { FrameCommit } from './chat-store.js';
import { TableChatStore } from './table-store.js';

const hub = 'chat';
const room = 'dev/#?%';
const inRoom = roomConversation(room);

function message(n: number, extra: Partial<MessageFrame> = {}): MessageFrame {
  const at = new Date(Date.UTC(2025, 2, 4, 5, 6, n)).toISOString();
  return { type: 'message', id: `01JMSG${String(n).padStart(20, '0')}`, clientId: `c${n}`, from: 'bob', fromName: 'Bob B.', room, text: `text ${n}`, at, ...extra };
}

const commitOf = (clientId: string, writes: ProjectionWrite[], conversation: Conversation = inRoom, user = 'bob'): FrameCommit => ({
  hub,
  conversation,
  user,
  clientId,
  claim: { eventId: `E-${clientId}`, state: '{}' },
  writes,
  members: [],
});
const put = (m: MessageFrame, conversation: Conversation = inRoom): ProjectionWrite => ({ kind: 'putMessage', hub, conversation, message: m });
const changeOf = (rowKey: string, etag: string, change: MessageChange): ProjectionWrite => ({ kind: 'changeMessage', hub, conversation: inRoom, rowKey, etag, change });

// Both Table services the stack can run: the conditional update inside a transaction must behave the same on each.
describe.each([
  ['emulators/tables', startTables],
  ['Azurite', startAzurite],
] as const)('message rows against %s', (_name, startService) => {
  let service: StandIn;
  let store: TableChatStore;
  const rowsOf = async (conversation: Conversation) =>
    (await tableRows(service.connectionString, Tables.messages)).filter((row) => row.partitionKey === conversationKey(hub, conversation));

  beforeAll(async () => {
    service = await startService();
    store = new TableChatStore({ kind: 'connectionString', connectionString: service.connectionString });
    await store.init();
  });
  afterAll(async () => {
    await service?.stop();
  });

  it("a send's commit writes the message and its index row together; the id is found in its conversation only", async () => {
    const m = message(1);
    expect(await store.commitFrame(commitOf('s1', [put(m)]))).toEqual({ kind: 'committed' });
    const rowKey = messageRowKey(Date.parse(m.at), m.id);
    const rows = await rowsOf(inRoom);
    expect(rows.find((row) => row.rowKey === messageIndexKeys(hub, inRoom, m.id).rowKey)).toEqual({ ...messageIndexKeys(hub, inRoom, m.id), messageRowKey: rowKey });
    const found = await store.findMessage(hub, inRoom, m.id);
    expect(found).toMatchObject({ rowKey, message: m });
    expect(found?.etag).toMatch(/^W\//);
    expect(await store.findMessage(hub, lobby(), m.id)).toBeUndefined();
    expect(await store.findMessage(hub, inRoom, '01JMSG00000000000000000099')).toBeUndefined();
    // The index rows sort after the messages: history never shows them.
    expect((await store.readHistory(hub, { conversation: inRoom, limit: 10 })).map((row) => row.message.id)).toEqual([m.id]);
  });

  it('a change commits only while the row has the ETag the rule read: a stale one writes nothing, the claim included', async () => {
    const m = message(2);
    await store.commitFrame(commitOf('s2', [put(m)]));
    const read = (await store.findMessage(hub, inRoom, m.id))!;
    const edit = changeOf(read.rowKey, read.etag, { kind: 'edit', text: 'text 2, fixed', editedAt: '2025-03-04T06:00:00.000Z' });
    expect(await store.commitFrame(commitOf('e1', [edit]))).toEqual({ kind: 'committed' });
    const reactions = [{ emoji: 'tada', count: 1, users: ['carol'] }];
    // Decided on the row as read before the edit: stale.
    expect(await store.commitFrame(commitOf('r1', [changeOf(read.rowKey, read.etag, { kind: 'react', reactions })], inRoom, 'carol'))).toEqual({ kind: 'stale' });
    expect(await store.frameClaimed(hub, inRoom, 'carol', 'r1')).toBe(false);
    const now = (await store.findMessage(hub, inRoom, m.id))!;
    expect(now.message).toEqual({ ...m, text: 'text 2, fixed', editedAt: '2025-03-04T06:00:00.000Z' });
    // Decided again on the row as it is now: stored.
    expect(await store.commitFrame(commitOf('r1', [changeOf(now.rowKey, now.etag, { kind: 'react', reactions })], inRoom, 'carol'))).toEqual({ kind: 'committed' });
    expect((await store.findMessage(hub, inRoom, m.id))!.message).toMatchObject({ text: 'text 2, fixed', reactions });
    // The last reaction taken back: none shown.
    const last = (await store.findMessage(hub, inRoom, m.id))!;
    await store.commitFrame(commitOf('r2', [changeOf(last.rowKey, last.etag, { kind: 'react', reactions: [] })], inRoom, 'carol'));
    expect((await store.findMessage(hub, inRoom, m.id))!.message).not.toHaveProperty('reactions');
  });

  it('history shows each reaction with its exact count and at most maxReactorsListed users; the row keeps them all', async () => {
    const users = Array.from({ length: Limits.maxReactorsListed + 3 }, (_, i) => `user${i}`);
    const m = message(5, { reactions: [{ emoji: 'tada', count: users.length, users }] });
    await store.commitFrame(commitOf('s5', [put(m)]));
    const shown = (await store.readHistory(hub, { conversation: inRoom, limit: 10 })).find((row) => row.message.id === m.id)!.message;
    expect(shown.reactions).toEqual([{ emoji: 'tada', count: users.length, users: users.slice(0, Limits.maxReactorsListed) }]);
    expect((await store.findMessage(hub, inRoom, m.id))!.message.reactions).toEqual([{ emoji: 'tada', count: users.length, users }]);
  });

  it('a delete leaves only who sent it and when: text, quote, reactions and edit mark are gone from the row', async () => {
    const m = message(3, { replyTo: { id: message(1).id, from: 'bob', text: 'text 1' }, editedAt: '2025-03-04T05:07:00.000Z', reactions: [{ emoji: 'eyes', count: 1, users: ['carol'] }] });
    await store.commitFrame(commitOf('s3', [put(m)]));
    const read = (await store.findMessage(hub, inRoom, m.id))!;
    expect(read.message).toEqual(m);
    const kept: MessageFrame = { type: 'message', id: m.id, clientId: m.clientId, from: 'bob', fromName: 'Bob B.', room, text: '', at: m.at, deleted: true };
    expect(await store.commitFrame(commitOf('d1', [changeOf(read.rowKey, read.etag, { kind: 'delete', message: kept })], inRoom, 'alice'))).toEqual({ kind: 'committed' });
    const row = (await rowsOf(inRoom)).find((r) => r.rowKey === read.rowKey)!;
    expect(row).toEqual({ partitionKey: conversationKey(hub, inRoom), rowKey: read.rowKey, messageId: m.id, clientId: m.clientId, from: 'bob', fromName: 'Bob B.', room, text: '', at: m.at, deleted: true });
    expect((await store.readHistory(hub, { conversation: inRoom, limit: 10 })).find((h) => h.message.id === m.id)?.message).toEqual(kept);
  });

  it("applied outside its commit (a redelivery whose claim holds), a send never undoes a later change and a change is not written again", async () => {
    const m = message(4);
    await store.commitFrame(commitOf('s4', [put(m)]));
    const read = (await store.findMessage(hub, inRoom, m.id))!;
    const kept: MessageFrame = { ...m, text: '', deleted: true, fromName: 'Bob B.' };
    await store.commitFrame(commitOf('d2', [changeOf(read.rowKey, read.etag, { kind: 'delete', message: kept })]));
    await store.apply([put(m)]);
    expect((await store.findMessage(hub, inRoom, m.id))!.message).toMatchObject({ text: '', deleted: true });
    // The frozen edit (no ETag once frozen) applied again: nothing written.
    await store.apply([changeOf(read.rowKey, undefined as unknown as string, { kind: 'edit', text: 'back from the dead', editedAt: m.at })]);
    expect((await store.findMessage(hub, inRoom, m.id))!.message).toMatchObject({ text: '', deleted: true });
  });

  it("reads a member's role and mute and the room's owner", async () => {
    await store.apply([
      { kind: 'putRoom', hub, room, visibility: 'public', createdBy: 'alice', createdAt: '2025-03-04T05:00:00.000Z', eventId: 'J0' },
      { kind: 'putMember', hub, room, user: 'alice', joinedAt: '2025-03-04T05:00:00.000Z', eventId: 'J0' },
    ]);
    expect((await store.roomRow(hub, room))?.createdBy).toBe('alice');
    expect(await store.roomRow(hub, 'no such room')).toBeUndefined();
    expect((await store.memberRow(hub, room, 'alice'))?.role).toBeUndefined();
    expect(await store.memberRow(hub, room, 'mallory')).toBeUndefined();
    // The moderation rules write role and mute; they are read as written.
    const client = TableClient.fromConnectionString(service.connectionString, Tables.messages, { allowInsecureConnection: true });
    await client.updateEntity({ ...roomMemberKeys(hub, room, 'alice'), role: 'moderator', mutedUntil: '2025-03-04T06:00:00.000Z' }, 'Merge');
    expect(await store.memberRow(hub, room, 'alice')).toMatchObject({ role: 'moderator', mutedUntil: '2025-03-04T06:00:00.000Z' });
  });
});
