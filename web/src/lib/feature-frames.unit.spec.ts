import type { MessageFrame, ServerFrame } from '@parley/contracts';
import { describe, expect, it } from 'vitest';
import { initialState, type ChatMessage, type ChatState } from './chat-state.js';
import { LOBBY, directKey, roomKey } from './keys.js';
import { reduce, type ChatEvent } from './reducer.js';

const T = '2026-01-01T10:00:00.000Z';
const at = (s: number) => new Date(Date.parse(T) + s * 1000).toISOString();
const frame = (f: ServerFrame, s = 0): ChatEvent => ({ type: 'frame', frame: f, at: at(s) });
const given = (...events: ChatEvent[]) => events.reduce(reduce, initialState('alice'));
// Server ids sort by time, as the event ids do.
const id = (n: number) => `01J0000000000000000000000${String.fromCharCode(65 + n)}`;
const msg = (over: Partial<MessageFrame>): MessageFrame => ({ type: 'message', id: id(1), clientId: 'x1', from: 'bob', text: 'hi', at: at(1), ...over });
const DEV = roomKey('dev');
const messages = (s: ChatState, key = DEV) => (s.conversations[key]?.lines ?? []).filter((l): l is ChatMessage => l.kind === 'message');
const systemTexts = (s: ChatState, key = DEV) => (s.conversations[key]?.lines ?? []).filter((l) => l.kind === 'system').map((l) => l.text);

describe('update frames', () => {
  const shown = [frame(msg({ id: id(1), room: 'dev', text: 'helo' }))];

  it('apply an edit: new text and edit time', () => {
    const s = given(...shown, frame({ type: 'update', id: id(1), from: 'bob', room: 'dev', text: 'hello', editedAt: at(5), by: 'bob' }));
    expect(messages(s)[0]).toMatchObject({ text: 'hello', editedAt: at(5) });
  });

  it('apply an edit’s mentions: the highlight follows the new text', () => {
    const mentioned = given(...shown, frame({ type: 'update', id: id(1), from: 'bob', room: 'dev', text: 'hello @alice', editedAt: at(5), mentions: ['alice'], by: 'bob' }));
    expect(messages(mentioned)[0]).toMatchObject({ text: 'hello @alice', mentions: ['alice'] });
    const unmentioned = reduce(mentioned, frame({ type: 'update', id: id(1), from: 'bob', room: 'dev', text: 'hello all', editedAt: at(6), mentions: [], by: 'bob' }));
    expect(messages(unmentioned)[0]?.text).toBe('hello all');
    expect(messages(unmentioned)[0]?.mentions).toBeUndefined();
  });

  it('never let an older edit undo a newer one', () => {
    const s = given(
      ...shown,
      frame({ type: 'update', id: id(1), from: 'bob', room: 'dev', text: 'second', editedAt: at(6), by: 'bob' }),
      frame({ type: 'update', id: id(1), from: 'bob', room: 'dev', text: 'first', editedAt: at(5), by: 'bob' }),
      frame({ type: 'history', room: 'dev', messages: [msg({ id: id(1), room: 'dev', text: 'first', editedAt: at(5) })], next: null }),
    );
    expect(messages(s)[0]?.text).toBe('second');
  });

  it('apply a deletion: text gone, marked deleted, reactions dropped, and nothing revives it', () => {
    const s = given(
      ...shown,
      frame({ type: 'update', id: id(1), from: 'bob', room: 'dev', reactions: [{ emoji: 'tada', count: 1, users: ['carol'] }], by: 'carol' }),
      frame({ type: 'update', id: id(1), from: 'bob', room: 'dev', text: '', deleted: true, by: 'dave' }),
      frame({ type: 'update', id: id(1), from: 'bob', room: 'dev', text: 'back?', editedAt: at(9), by: 'bob' }),
    );
    expect(messages(s)[0]).toMatchObject({ text: '', deleted: true });
    expect(messages(s)[0]?.reactions).toBeUndefined();
  });

  it('replace the whole reactions list, and drop it when empty', () => {
    const r = [{ emoji: 'tada', count: 2, users: ['alice', 'carol'] }];
    const s1 = given(...shown, frame({ type: 'update', id: id(1), from: 'bob', room: 'dev', reactions: r, by: 'carol' }));
    expect(messages(s1)[0]?.reactions).toEqual(r);
    const s2 = reduce(s1, frame({ type: 'update', id: id(1), from: 'bob', room: 'dev', reactions: [], by: 'carol' }));
    expect(messages(s2)[0]?.reactions).toBeUndefined();
  });

  it('find a direct message from either side, and ignore a message not shown', () => {
    const s = given(
      frame(msg({ id: id(1), from: 'alice', to: 'bob', text: 'typo' })),
      frame({ type: 'update', id: id(1), from: 'alice', to: 'bob', text: 'fixed', editedAt: at(3), by: 'alice' }),
    );
    expect(messages(s, directKey('bob'))[0]?.text).toBe('fixed');
    const unchanged = reduce(s, frame({ type: 'update', id: id(7), from: 'bob', room: 'dev', text: 'x', by: 'bob' }));
    expect(unchanged).toBe(s);
  });

  it('keep a message state from history: reply quote, edit time, reactions, mentions', () => {
    const m = msg({
      id: id(2), room: 'dev', text: 'yes @alice', replyTo: { id: id(1), from: 'carol', text: 'ok?' }, editedAt: at(4),
      reactions: [{ emoji: 'eyes', count: 1, users: ['bob'] }], mentions: ['alice'],
    });
    const s = given(frame({ type: 'history', room: 'dev', messages: [m], next: null }));
    expect(messages(s)[0]).toMatchObject({ replyTo: { id: id(1), from: 'carol' }, editedAt: at(4), mentions: ['alice'] });
  });
});

describe('typing frames', () => {
  it('show who types in a room and a direct chat, until 6 s pass or their message arrives', () => {
    const now = Date.parse(T);
    const s1 = given(
      { type: 'frame', frame: { type: 'typing', user: 'bob', room: 'dev' }, at: T, nowMs: now },
      { type: 'frame', frame: { type: 'typing', user: 'carol', room: 'dev' }, at: T, nowMs: now + 3000 },
      { type: 'frame', frame: { type: 'typing', user: 'bob', to: 'alice' }, at: T, nowMs: now },
    );
    expect(Object.keys(s1.conversations[DEV]?.typing ?? {})).toEqual(['bob', 'carol']);
    expect(Object.keys(s1.conversations[directKey('bob')]?.typing ?? {})).toEqual(['bob']);
    const s2 = reduce(s1, { type: 'tick', nowMs: now + 6000 });
    expect(Object.keys(s2.conversations[DEV]?.typing ?? {})).toEqual(['carol']);
    const s3 = reduce(s2, frame(msg({ id: id(3), from: 'carol', room: 'dev' })));
    expect(s3.conversations[DEV]?.typing).toEqual({});
  });

  it('ignore the user’s own typing (another device)', () => {
    const s = given(frame({ type: 'typing', user: 'alice', room: 'dev' }));
    expect(s.conversations[DEV]?.typing ?? {}).toEqual({});
  });
});

describe('read state', () => {
  const unreadState: ServerFrame = {
    type: 'state', rooms: ['dev'], online: [],
    unread: [{ room: 'dev', count: 3, mentions: 1, lastRead: id(0) }, { with: 'bob', count: 2, mentions: 0 }],
  };

  it('takes unread and mention counts from the state frame, for rooms and direct chats', () => {
    const s = given(frame(unreadState));
    expect(s.conversations[DEV]).toMatchObject({ unread: 3, mentions: 1, lastRead: id(0) });
    expect(s.conversations[directKey('bob')]).toMatchObject({ unread: 2, mentions: 0 });
  });

  it('counts live messages of other conversations and their mentions; a reconnect’s state frame corrects them', () => {
    const s1 = given(
      frame(msg({ id: id(1), room: 'dev' })),
      frame(msg({ id: id(2), room: 'dev', text: '@alice look', mentions: ['alice'] })),
      frame(msg({ id: id(3), from: 'bob', to: 'alice' })),
    );
    expect(s1.conversations[DEV]).toMatchObject({ unread: 2, mentions: 1 });
    // Nothing unread is said by leaving `unread` out; a direct chat it does not list keeps its count.
    const s2 = reduce(s1, frame({ type: 'state', rooms: ['dev'], online: [] }));
    expect(s2.conversations[DEV]).toMatchObject({ unread: 0, mentions: 0 });
    expect(s2.conversations[directKey('bob')]?.unread).toBe(1);
  });

  it('keeps messages that overtook the state frame on a new socket, and only those', () => {
    const s = given(
      frame(msg({ id: id(1), room: 'dev' })),
      { type: 'socket-open' },
      frame(msg({ id: id(2), room: 'dev', mentions: ['alice'] })),
      frame({ type: 'state', rooms: ['dev'], online: [] }),
    );
    expect(s.conversations[DEV]).toMatchObject({ unread: 1, mentions: 1 });
    expect(s.unreadBeforeState).toBeUndefined();
    const listed = reduce(
      reduce(s, { type: 'socket-open' }),
      frame({ type: 'state', rooms: ['dev'], online: [], unread: [{ room: 'dev', count: 3, mentions: 0 }] }),
    );
    expect(listed.conversations[DEV]).toMatchObject({ unread: 3, mentions: 0 });
  });

  it('does not count a message arriving in the conversation shown while focused, but does when unfocused', () => {
    const s1 = given({ type: 'open', key: DEV }, frame(msg({ id: id(1), room: 'dev' })));
    expect(s1.conversations[DEV]?.unread).toBe(0);
    const s2 = reduce(reduce(s1, { type: 'focus', focused: false }), frame(msg({ id: id(2), room: 'dev' })));
    expect(s2.conversations[DEV]?.unread).toBe(1);
    expect(reduce(s2, { type: 'focus', focused: true }).conversations[DEV]?.unread).toBe(0);
  });

  it('clears the badge on a read frame from the user’s other device, up to the message read', () => {
    const s1 = given(frame(msg({ id: id(1), room: 'dev' })), frame(msg({ id: id(2), room: 'dev', mentions: ['alice'] })), frame(msg({ id: id(3), room: 'dev' })));
    expect(s1.conversations[DEV]).toMatchObject({ unread: 3, mentions: 1 });
    const s2 = reduce(s1, frame({ type: 'read', user: 'alice', room: 'dev', message: id(2), at: at(5) }));
    expect(s2.conversations[DEV]).toMatchObject({ unread: 1, mentions: 0, lastRead: id(2) });
    // An older position (a late frame) never brings the count back.
    const s3 = reduce(s2, frame({ type: 'read', user: 'alice', room: 'dev', message: id(1), at: at(4) }));
    expect(s3.conversations[DEV]?.lastRead).toBe(id(2));
  });

  it('records others’ read positions for "seen by", in rooms and direct chats', () => {
    const s = given(
      frame({ type: 'read', user: 'bob', room: 'dev', message: id(2), at: at(5) }),
      frame({ type: 'read', user: 'bob', to: 'alice', message: id(3), at: at(5) }),
      frame({ type: 'read', user: 'alice', to: 'bob', message: id(3), at: at(5) }),
    );
    expect(s.conversations[DEV]?.readBy).toEqual({ bob: id(2) });
    expect(s.conversations[directKey('bob')]).toMatchObject({ readBy: { bob: id(3) }, lastRead: id(3) });
  });

  it('moves its own read position when the page sends read', () => {
    const s = given(frame(msg({ id: id(1), room: 'dev' })), { type: 'read', id: 'r1', key: DEV, message: id(1) });
    expect(s.conversations[DEV]).toMatchObject({ lastRead: id(1), unread: 0 });
  });
});

describe('members, moderation and the directory', () => {
  const members: ServerFrame = {
    type: 'members', id: 'q1', room: 'dev', banned: ['mallory'],
    members: [
      { user: 'alice', role: 'owner', online: true },
      { user: 'bob', role: 'member', online: false, name: 'Bob B' },
    ],
  };

  it('keeps the member list and banned users, and learns names from it', () => {
    const s = given({ type: 'members-request', id: 'q1', key: DEV }, frame(members));
    expect(s.conversations[DEV]?.members).toMatchObject({ loading: false, banned: ['mallory'] });
    expect(s.conversations[DEV]?.members?.list.map((m) => m.user)).toEqual(['alice', 'bob']);
    expect(s.requests.q1).toBeUndefined();
  });

  it('applies moderation frames to the list and says them in the room', () => {
    const s = given(
      frame(members),
      frame({ type: 'moderation', room: 'dev', action: 'role', role: 'moderator', user: 'bob', by: 'alice' }, 1),
      frame({ type: 'moderation', room: 'dev', action: 'muted', until: '2026-01-01T10:10:00.000Z', user: 'bob', by: 'alice' }, 2),
      frame({ type: 'moderation', room: 'dev', action: 'unbanned', user: 'mallory', by: 'alice' }, 3),
    );
    const bob = s.conversations[DEV]?.members?.list.find((m) => m.user === 'bob');
    expect(bob).toMatchObject({ role: 'moderator', mutedUntil: '2026-01-01T10:10:00.000Z' });
    expect(s.conversations[DEV]?.members?.banned).toEqual([]);
    expect(systemTexts(s)[0]).toBe('You made Bob B a moderator');
    expect(systemTexts(s)[1]).toMatch(/^You muted Bob B until /);
    expect(systemTexts(s)[2]).toBe('You lifted the ban on mallory');
    const s2 = reduce(s, frame({ type: 'moderation', room: 'dev', action: 'banned', user: 'bob', by: 'alice' }, 4));
    expect(s2.conversations[DEV]?.members?.list.map((m) => m.user)).toEqual(['alice']);
    expect(s2.conversations[DEV]?.members?.banned).toEqual(['bob']);
  });

  it('takes the room away from a removed or banned user, keeping one notice (the room\'s and their own copy)', () => {
    const s = given(
      frame({ type: 'state', rooms: ['dev'], online: [] }),
      frame({ type: 'moderation', room: 'dev', action: 'removed', user: 'alice', by: 'carol', byName: 'Carol' }),
      frame({ type: 'moderation', room: 'dev', action: 'removed', user: 'alice', by: 'carol', byName: 'Carol' }),
    );
    expect(s.conversations[DEV]?.member).toBe(false);
    expect(systemTexts(s)).toEqual(['Carol removed you from #dev']);
  });

  it('keeps a loaded list current on joins and leaves', () => {
    const s = given(frame(members), frame({ type: 'room', room: 'dev', user: 'carol', event: 'joined' }), frame({ type: 'room', room: 'dev', user: 'bob', event: 'left' }));
    expect(s.conversations[DEV]?.members?.list.map((m) => `${m.user}:${m.role}`)).toEqual(['alice:owner', 'carol:member']);
  });

  it('shows the newest directory answer only, appending pages', () => {
    const s1 = given(
      { type: 'directory-request', id: 'd1', prefix: 'd', append: false },
      { type: 'directory-request', id: 'd2', prefix: 'de', append: false },
      frame({ type: 'directory', id: 'd1', rooms: [{ room: 'design', members: 2 }, { room: 'dinner', members: 1 }], next: null }),
    );
    expect(s1.directory).toMatchObject({ prefix: 'de', rooms: [], loading: true });
    const s2 = reduce(s1, frame({ type: 'directory', id: 'd2', rooms: [{ room: 'design', members: 2 }], next: 'design' }));
    expect(s2.directory).toMatchObject({ rooms: [{ room: 'design', members: 2 }], next: 'design', loading: false });
    const s3 = reduce(
      reduce(s2, { type: 'directory-request', id: 'd3', prefix: 'de', append: true }),
      frame({ type: 'directory', id: 'd3', rooms: [{ room: 'dev', members: 5 }], next: null }),
    );
    expect(s3.directory.rooms.map((r) => r.room)).toEqual(['design', 'dev']);
    expect(s3.directory.next).toBeNull();
  });
});

describe('refusals in words', () => {
  const refuse = (id: string, code: string, message = 'server words'): ChatEvent => frame({ type: 'error', id, error: { code, message } });

  it('say why an edit, delete, reaction or moderation was refused, as a notice in the conversation', () => {
    const s = given(
      { type: 'request', id: 'e1', info: { kind: 'edit', key: DEV, message: id(1) } },
      { type: 'request', id: 'm1', info: { kind: 'moderate', key: DEV, action: 'ban', user: 'bob' } },
      { type: 'request', id: 'r1', info: { kind: 'react', key: DEV, message: id(1) } },
      refuse('e1', 'PARLEY_NOT_AUTHOR'),
      refuse('m1', 'PARLEY_NOT_MODERATOR'),
      frame({ type: 'ack', id: 'r1', ok: false, error: { code: 'PARLEY_SOMETHING_NEW', message: 'server words' } }),
    );
    expect(systemTexts(s)).toEqual([
      'Could not edit the message: only its author (or, in a room, the owner or a moderator) may do that',
      'Could not ban bob: only the room’s owner or a moderator may do that',
      'Could not react: server words',
    ]);
  });

  it('say a refused typing or read notice once per conversation, nothing for a throttled or unrelayed one or an old message', () => {
    const s = given(
      { type: 'request', id: 't0', info: { kind: 'typing', key: DEV } },
      refuse('t0', 'PARLEY_TYPING_UNAVAILABLE'),
      { type: 'request', id: 't1', info: { kind: 'typing', key: DEV } },
      { type: 'request', id: 't2', info: { kind: 'typing', key: DEV } },
      { type: 'request', id: 't3', info: { kind: 'typing', key: DEV } },
      refuse('t1', 'PARLEY_TYPING_THROTTLED'),
      refuse('t2', 'PARLEY_FRAME_UNKNOWN_TYPE'),
      refuse('t3', 'PARLEY_FRAME_UNKNOWN_TYPE'),
      { type: 'request', id: 'r1', info: { kind: 'read', key: DEV, message: id(1) } },
      refuse('r1', 'PARLEY_UNKNOWN_MESSAGE'),
    );
    expect(systemTexts(s)).toEqual(['Typing notices are off here: the server does not support this yet']);
  });

  it('put a refused members or directory request in its panel', () => {
    const s = given(
      { type: 'members-request', id: 'q1', key: DEV },
      { type: 'directory-request', id: 'd1', prefix: '', append: false },
      refuse('q1', 'PARLEY_ROOM_PRIVATE'),
      refuse('d1', 'PARLEY_RATE_LIMITED'),
    );
    expect(s.conversations[DEV]?.members).toMatchObject({ loading: false, error: 'the room is private' });
    expect(s.directory).toMatchObject({ loading: false, error: 'too many actions at once; try again in a moment' });
  });
});

describe('jumping to a replied message', () => {
  it('finds a shown message at once, pages back for one not shown, and says when it is gone', () => {
    const shown = given(
      { type: 'history-request', id: 'h1', key: LOBBY, older: false },
      frame({ type: 'history', id: 'h1', messages: [msg({ id: id(5) })], next: 'cursor-1' }),
    );
    expect(reduce(shown, { type: 'jump', key: LOBBY, id: id(5) }).jump?.status).toBe('found');
    const searching = reduce(shown, { type: 'jump', key: LOBBY, id: id(2) });
    expect(searching.jump?.status).toBe('searching');
    const found = [
      { type: 'history-request', id: 'h2', key: LOBBY, older: true } as ChatEvent,
      frame({ type: 'history', id: 'h2', messages: [msg({ id: id(2) })], next: 'cursor-2' }),
    ].reduce(reduce, searching);
    expect(found.jump?.status).toBe('found');
    const gone = [
      { type: 'jump', key: LOBBY, id: id(0) } as ChatEvent,
      { type: 'history-request', id: 'h3', key: LOBBY, older: true } as ChatEvent,
      frame({ type: 'history', id: 'h3', messages: [], next: null }),
    ].reduce(reduce, found);
    expect(gone.jump?.status).toBe('gone');
    expect(reduce(gone, { type: 'jump-done' }).jump).toBeUndefined();
  });
});
