import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ChatClient } from './chat-client.js';
import { LOBBY, directKey, roomKey } from './keys.js';
import { ScriptedSocket } from './test-socket.js';

const ID = (n: number) => `01J0000000000000000000000${String.fromCharCode(65 + n)}`;

async function started() {
  const sockets: ScriptedSocket[] = [];
  let n = 0;
  let now = Date.parse('2026-01-01T10:00:00.000Z');
  const client = new ChatClient({
    name: 'alice',
    fetch: async () => new Response(JSON.stringify({ url: 'ws://t/ws/client/hubs/chat?access_token=t', user: 'alice' }), { status: 200 }),
    createSocket: (url, protocol) => {
      const s = new ScriptedSocket(url, protocol);
      sockets.push(s);
      return s;
    },
    newId: () => `id${++n}`,
    now: () => new Date(now),
    random: () => 0,
    historyPageSize: 20,
  });
  client.start();
  await vi.advanceTimersByTimeAsync(0);
  const socket = sockets.at(-1) as ScriptedSocket;
  socket.open();
  socket.receive({ type: 'hello', user: 'alice', connectionId: 'c1' });
  socket.receive({ type: 'state', rooms: ['dev'], online: ['alice', 'bob'] });
  const sent = () => socket.sent as Array<Record<string, unknown>>;
  const ofType = (type: string) => sent().filter((f) => f.type === type);
  const advance = async (ms: number) => {
    now += ms;
    await vi.advanceTimersByTimeAsync(ms);
  };
  return { client, socket, sent, ofType, advance };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('ChatClient features', () => {
  it('sends typing at most every 2 s per conversation, never in the lobby, and again at once after a message', async () => {
    const t = await started();
    t.client.open(roomKey('dev'));
    t.client.typing(LOBBY);
    t.client.typing();
    t.client.typing();
    await t.advance(1500);
    t.client.typing();
    t.client.typing(directKey('bob'));
    expect(t.ofType('typing')).toEqual([
      { type: 'typing', id: expect.any(String), room: 'dev' },
      { type: 'typing', id: expect.any(String), to: 'bob' },
    ]);
    await t.advance(600);
    t.client.typing();
    t.client.sendText('done');
    t.client.typing();
    expect(t.ofType('typing').filter((f) => f.room === 'dev')).toHaveLength(3);
  });

  it('lets typing notices expire 6 s after the last one', async () => {
    const t = await started();
    t.socket.receive({ type: 'typing', user: 'bob', room: 'dev' });
    await t.advance(4000);
    t.socket.receive({ type: 'typing', user: 'bob', room: 'dev' });
    await t.advance(4000);
    expect(Object.keys(t.client.state.conversations[roomKey('dev')]?.typing ?? {})).toEqual(['bob']);
    await t.advance(2500);
    expect(t.client.state.conversations[roomKey('dev')]?.typing).toEqual({});
  });

  it('sends read for the newest message of others in the conversation shown, only while focused, once', async () => {
    const t = await started();
    t.client.open(roomKey('dev'));
    t.socket.receive({ type: 'message', id: ID(1), clientId: 'b1', from: 'bob', room: 'dev', text: 'one', at: '2026-01-01T10:00:01.000Z' });
    expect(t.ofType('read')).toEqual([{ type: 'read', id: expect.any(String), room: 'dev', message: ID(1) }]);
    t.client.setFocused(false);
    t.socket.receive({ type: 'message', id: ID(2), clientId: 'b2', from: 'bob', room: 'dev', text: 'two', at: '2026-01-01T10:00:02.000Z' });
    expect(t.ofType('read')).toHaveLength(1);
    expect(t.client.state.conversations[roomKey('dev')]?.unread).toBe(1);
    t.client.setFocused(true);
    expect(t.ofType('read').at(-1)).toMatchObject({ room: 'dev', message: ID(2) });
    // Its own message and the echo of its own read send nothing more.
    t.socket.receive({ type: 'message', id: ID(3), clientId: 'id99', from: 'alice', room: 'dev', text: 'mine', at: '2026-01-01T10:00:03.000Z' });
    t.socket.receive({ type: 'read', user: 'alice', room: 'dev', message: ID(2), at: '2026-01-01T10:00:03.000Z' });
    expect(t.ofType('read')).toHaveLength(2);
  });

  it('frames edits, deletes, reactions, replies and moderation as the protocol says', async () => {
    const t = await started();
    t.client.open(roomKey('dev'));
    t.socket.receive({ type: 'message', id: ID(1), clientId: 'b1', from: 'bob', room: 'dev', text: 'question?', at: '2026-01-01T10:00:01.000Z' });
    const quoted = t.client.state.conversations[roomKey('dev')]?.lines.find((l) => l.kind === 'message');
    expect(t.client.edit(roomKey('dev'), ID(1), '  ')).toMatch(/Write something/);
    t.client.edit(roomKey('dev'), ID(1), 'fixed');
    t.client.deleteMessage(roomKey('dev'), ID(1));
    t.client.react(roomKey('dev'), ID(1), 'tada');
    t.client.react(roomKey('dev'), ID(1), 'tada', true);
    t.client.sendText('answer', roomKey('dev'), quoted?.kind === 'message' ? quoted : undefined);
    t.client.moderate('dev', 'bob', { kind: 'role', role: 'moderator' });
    t.client.moderate('dev', 'bob', { kind: 'mute', minutes: 10 });
    t.client.moderate('dev', 'bob', { kind: 'ban', lift: true });
    t.client.moderate('dev', 'bob', { kind: 'remove' });
    const strip = ({ id: _id, ...rest }: Record<string, unknown>) => rest;
    expect(t.sent().filter((f) => !['history', 'members', 'read'].includes(f.type as string)).map(strip)).toEqual([
      { type: 'edit', room: 'dev', message: ID(1), text: 'fixed' },
      { type: 'delete', room: 'dev', message: ID(1) },
      { type: 'react', room: 'dev', message: ID(1), emoji: 'tada' },
      { type: 'react', room: 'dev', message: ID(1), emoji: 'tada', remove: true },
      { type: 'send', room: 'dev', text: 'answer', replyTo: ID(1) },
      { type: 'role', room: 'dev', user: 'bob', role: 'moderator' },
      { type: 'mute', room: 'dev', user: 'bob', minutes: 10 },
      { type: 'ban', room: 'dev', user: 'bob', lift: true },
      { type: 'remove', room: 'dev', user: 'bob' },
    ]);
    // The reply shows its quote while it is pending.
    const reply = t.client.state.conversations[roomKey('dev')]?.lines.find((l) => l.kind === 'message' && l.text === 'answer');
    expect(reply).toMatchObject({ state: 'pending', replyTo: { id: ID(1), from: 'bob', text: 'question?' } });
  });

  it('asks for members on opening a room, and for directory pages as the user searches', async () => {
    const t = await started();
    t.client.open(roomKey('dev'));
    expect(t.ofType('members')).toEqual([{ type: 'members', id: expect.any(String), room: 'dev' }]);
    // Made a moderator: the list is asked again (it now names who is banned).
    t.socket.receive({ type: 'members', id: t.ofType('members')[0]?.id, room: 'dev', members: [{ user: 'alice', role: 'member', online: true }] });
    t.socket.receive({ type: 'moderation', room: 'dev', action: 'role', role: 'moderator', user: 'alice', by: 'bob' });
    expect(t.ofType('members')).toHaveLength(2);
    t.client.browse('de');
    const first = t.ofType('directory')[0];
    expect(first).toEqual({ type: 'directory', id: expect.any(String), prefix: 'de', limit: 20 });
    t.socket.receive({ type: 'directory', id: first?.id, rooms: [{ room: 'design', members: 3 }], next: 'design' });
    t.client.browse('ignored', true);
    expect(t.ofType('directory')[1]).toEqual({ type: 'directory', id: expect.any(String), prefix: 'de', after: 'design', limit: 20 });
  });

  it('pages back through history until a replied message is found', async () => {
    const t = await started();
    t.socket.receive({ type: 'history', id: 'id1', messages: [{ type: 'message', id: ID(9), clientId: 'b', from: 'bob', text: 'late', at: '2026-01-01T10:00:09.000Z' }], next: 'c1' });
    t.client.jumpTo(LOBBY, ID(2));
    const older = t.ofType('history').at(-1);
    expect(older).toMatchObject({ before: 'c1' });
    t.socket.receive({ type: 'history', id: older?.id, messages: [{ type: 'message', id: ID(5), clientId: 'b', from: 'bob', text: 'mid', at: '2026-01-01T10:00:05.000Z' }], next: 'c2' });
    expect(t.ofType('history').at(-1)).toMatchObject({ before: 'c2' });
    t.socket.receive({ type: 'history', id: t.ofType('history').at(-1)?.id, messages: [{ type: 'message', id: ID(2), clientId: 'b', from: 'bob', text: 'early', at: '2026-01-01T10:00:02.000Z' }], next: 'c3' });
    expect(t.client.state.jump).toMatchObject({ id: ID(2), status: 'found' });
    expect(t.ofType('history')).toHaveLength(3);
  });
});
