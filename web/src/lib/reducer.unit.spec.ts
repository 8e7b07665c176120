import type { MessageFrame, ServerFrame } from '@parley/contracts';
import { describe, expect, it } from 'vitest';
import { initialState, nameOf, type ChatMessage, type ChatState, type Line } from './chat-state.js';
import { LOBBY, directKey, roomKey } from './keys.js';
import { reduce, type ChatEvent } from './reducer.js';

const T = '2026-01-01T10:00:00.000Z';
const at = (s: number) => new Date(Date.parse(T) + s * 1000).toISOString();
const frame = (f: ServerFrame, s = 0): ChatEvent => ({ type: 'frame', frame: f, at: at(s) });
const given = (...events: ChatEvent[]) => events.reduce(reduce, initialState('alice'));
const msg = (over: Partial<MessageFrame>): MessageFrame => ({
  type: 'message', id: 'm1', clientId: 'x1', from: 'bob', text: 'hi', at: at(1), ...over,
});
const lines = (s: ChatState, key = LOBBY): Line[] => [...(s.conversations[key]?.lines ?? [])];
const messages = (s: ChatState, key = LOBBY) => lines(s, key).filter((l): l is ChatMessage => l.kind === 'message');
const texts = (s: ChatState, key = LOBBY) => lines(s, key).map((l) => l.text);

describe('sending', () => {
  it('shows a sent message as pending, then sent on a positive ack', () => {
    const s1 = given({ type: 'send', id: 'c1', key: LOBBY, text: 'hello', at: at(0) });
    expect(messages(s1)).toMatchObject([{ from: 'alice', text: 'hello', state: 'pending', clientId: 'c1' }]);
    const s2 = reduce(s1, frame({ type: 'ack', id: 'c1', ok: true }));
    expect(messages(s2)[0]?.state).toBe('sent');
  });

  it('marks a refused frame failed with the reason, from an ack or a later error frame', () => {
    const s = given(
      { type: 'send', id: 'c1', key: roomKey('dev'), text: 'a', at: at(0) },
      { type: 'send', id: 'c2', key: roomKey('dev'), text: 'b', at: at(0) },
      frame({ type: 'ack', id: 'c1', ok: false, error: { code: 'PARLEY_TEXT_TOO_LONG', message: 'too long' } }),
      frame({ type: 'ack', id: 'c2', ok: true }),
      frame({ type: 'error', id: 'c2', error: { code: 'PARLEY_NOT_MEMBER', message: 'not a member of dev' } }),
    );
    expect(messages(s, roomKey('dev'))).toMatchObject([
      { clientId: 'c1', state: 'failed', error: 'too long' },
      { clientId: 'c2', state: 'failed', error: 'not a member of dev' },
    ]);
  });

  it('merges the echo of its own message into the pending line instead of doubling it', () => {
    const s = given(
      { type: 'send', id: 'c1', key: LOBBY, text: 'hello', at: at(0) },
      frame(msg({ id: 'srv-1', clientId: 'c1', from: 'alice', text: 'hello', at: at(2) })),
      frame({ type: 'ack', id: 'c1', ok: true }),
    );
    expect(messages(s)).toEqual([
      expect.objectContaining({ id: 'srv-1', key: 'c1', state: 'sent', at: at(2) }),
    ]);
  });

  it('routes private messages to the chat with the other person, both ways', () => {
    const s = given(
      frame(msg({ id: 'm1', from: 'bob', to: 'alice' })),
      frame(msg({ id: 'm2', from: 'alice', to: 'bob', clientId: 'other-tab' })),
    );
    expect(texts(s, directKey('bob'))).toEqual(['hi', 'hi']);
    expect(s.conversations[directKey('alice')]).toBeUndefined();
  });
});

describe('receiving', () => {
  it('drops a message whose server id it has already shown', () => {
    const m = msg({ id: 'm1' });
    const s = given(frame(m), frame(m), frame({ type: 'history', messages: [m], next: null }));
    expect(messages(s)).toHaveLength(1);
  });

  it('counts unread messages of other conversations and clears them on open', () => {
    const s1 = given(frame(msg({ id: 'm1', room: 'dev' })), frame(msg({ id: 'm2', room: 'dev' })), frame(msg({ id: 'm3' })));
    expect(s1.conversations[roomKey('dev')]?.unread).toBe(2);
    expect(s1.conversations[LOBBY]?.unread).toBe(0);
    const s2 = reduce(s1, { type: 'open', key: roomKey('dev') });
    expect(s2.active).toBe(roomKey('dev'));
    expect(s2.conversations[roomKey('dev')]?.unread).toBe(0);
  });

  it('does not count its own messages as unread', () => {
    const s = given(frame(msg({ id: 'm1', room: 'dev', from: 'alice' })));
    expect(s.conversations[roomKey('dev')]?.unread).toBe(0);
  });

  it('keeps lines in time order whatever order they arrive in', () => {
    const s = given(frame(msg({ id: 'b', text: 'second', at: at(5) })), frame(msg({ id: 'a', text: 'first', at: at(1) })));
    expect(texts(s)).toEqual(['first', 'second']);
  });
});

describe('history', () => {
  it('merges pages newest-first into time order and follows the cursor', () => {
    const s1 = given(
      { type: 'history-request', id: 'h1', key: roomKey('dev'), older: false },
    );
    expect(s1.conversations[roomKey('dev')]?.history.loading).toBe(true);
    const s2 = reduce(s1, frame({
      type: 'history', id: 'h1', room: 'dev', next: 'cur-1',
      messages: [msg({ id: 'm3', at: at(3), text: '3' }), msg({ id: 'm2', at: at(2), text: '2' })],
    }));
    expect(texts(s2, roomKey('dev'))).toEqual(['2', '3']);
    expect(s2.conversations[roomKey('dev')]?.history).toMatchObject({ loaded: true, loading: false, next: 'cur-1' });
    const s3 = [
      { type: 'history-request', id: 'h2', key: roomKey('dev'), older: true } as const,
      frame({ type: 'history', id: 'h2', room: 'dev', next: null, messages: [msg({ id: 'm1', at: at(1), text: '1' })] }),
    ].reduce(reduce, s2);
    expect(texts(s3, roomKey('dev'))).toEqual(['1', '2', '3']);
    expect(s3.conversations[roomKey('dev')]?.history.next).toBeNull();
  });

  it('does not raise unread counters for history', () => {
    const s = given(frame({ type: 'history', with: 'bob', next: null, messages: [msg({ id: 'm1', to: 'alice' })] }));
    expect(s.conversations[directKey('bob')]?.unread).toBe(0);
    expect(texts(s, directKey('bob'))).toEqual(['hi']);
  });

  it('shows a refused history request as an error and stops loading', () => {
    const s = given(
      { type: 'history-request', id: 'h1', key: roomKey('x'), older: false },
      frame({ type: 'ack', id: 'h1', ok: false, error: { code: 'PARLEY_NOT_MEMBER', message: 'not a member' } }),
    );
    expect(s.conversations[roomKey('x')]?.history).toMatchObject({ loading: false, error: 'not a member' });
  });

  it('on losing the connection marks every history stale and forgets its requests, keeping deeper cursors', () => {
    const s = given(
      { type: 'link', link: 'online' },
      { type: 'history-request', id: 'h1', key: LOBBY, older: false },
      frame({ type: 'history', id: 'h1', next: 'deep', messages: [msg({ id: 'm1' })] }),
      { type: 'history-request', id: 'h2', key: LOBBY, older: true },
      { type: 'link', link: 'reconnecting', detail: 'retrying in 1 s' },
    );
    expect(s.conversations[LOBBY]?.history).toMatchObject({ loaded: false, loading: false, next: 'deep' });
    expect(s.requests.h2).toBeUndefined();
    const s2 = reduce(s, frame({ type: 'history', next: 'shallow', messages: [msg({ id: 'm1' }), msg({ id: 'm9', at: at(9) })] }));
    expect(s2.conversations[LOBBY]?.history.next).toBe('deep');
    expect(messages(s2).map((m) => m.id)).toEqual(['m1', 'm9']);
  });
});

describe('rooms and people', () => {
  it('takes the rooms and who is online from the state frame', () => {
    const s = given(
      { type: 'join', id: 'j0', room: 'old' },
      frame({ type: 'state', rooms: ['dev', 'ops'], online: ['alice', 'bob', 'bob'] }),
    );
    expect(s.online).toEqual(['alice', 'bob']);
    expect(s.conversations[roomKey('dev')]?.member).toBe(true);
    expect(s.conversations[roomKey('old')]?.member).toBe(false);
  });

  it('opens a room on join and writes system lines for joins and leaves', () => {
    const s = given(
      { type: 'join', id: 'j1', room: 'dev' },
      frame({ type: 'ack', id: 'j1', ok: true }),
      frame({ type: 'room', room: 'dev', user: 'alice', event: 'joined' }, 1),
      frame({ type: 'room', room: 'dev', user: 'bob', event: 'joined' }, 2),
      frame({ type: 'room', room: 'dev', user: 'bob', event: 'left' }, 3),
    );
    expect(s.active).toBe(roomKey('dev'));
    expect(texts(s, roomKey('dev'))).toEqual(['You joined #dev', 'bob joined', 'bob left']);
  });

  it('adds a room it was invited to, with an unread mark and who added it', () => {
    const s = given(frame({ type: 'room', room: 'dev', user: 'alice', event: 'invited', by: 'bob' }));
    expect(s.conversations[roomKey('dev')]).toMatchObject({ member: true, unread: 1 });
    expect(texts(s, roomKey('dev'))).toEqual(['bob added you to #dev']);
    const s2 = reduce(s, frame({ type: 'room', room: 'dev', user: 'carol', event: 'invited', by: 'alice' }));
    expect(texts(s2, roomKey('dev')).at(-1)).toBe('alice added carol');
  });

  it('removes a room it left and falls back to the lobby', () => {
    const s = given(
      frame({ type: 'state', rooms: ['dev'], online: [] }),
      { type: 'open', key: roomKey('dev') },
      { type: 'leave', id: 'l1', room: 'dev' },
      frame({ type: 'ack', id: 'l1', ok: true }),
      frame({ type: 'room', room: 'dev', user: 'alice', event: 'left' }),
    );
    expect(s.conversations[roomKey('dev')]).toBeUndefined();
    expect(s.active).toBe(LOBBY);
  });

  it('reports a refused join or invite in the room', () => {
    const s = given(
      { type: 'join', id: 'j1', room: 'dev' },
      { type: 'invite', id: 'i1', room: 'dev', user: 'zed' },
      frame({ type: 'error', id: 'i1', error: { code: 'PARLEY_UNKNOWN_USER', message: 'no such user' } }, 1),
      frame({ type: 'ack', id: 'j1', ok: false, error: { code: 'PARLEY_FRAME_INVALID', message: 'bad name' } }, 2),
    );
    expect(texts(s, roomKey('dev'))).toEqual(['Could not add zed: no such user', 'Could not join: bad name']);
    expect(s.conversations[roomKey('dev')]?.member).toBe(false);
  });

  it('lays presence news over a state snapshot that arrives after them', () => {
    const s = given(
      { type: 'socket-open' },
      frame({ type: 'presence', user: 'bob', online: true }),
      frame({ type: 'presence', user: 'carol', online: false }),
      frame({ type: 'state', rooms: [], online: ['alice', 'carol'] }),
    );
    expect([...s.online].sort()).toEqual(['alice', 'bob']);
    // A new socket starts over: its own snapshot rules.
    const s2 = [{ type: 'socket-open' } as const, frame({ type: 'state', rooms: [], online: ['alice', 'carol'] })].reduce(reduce, s);
    expect([...s2.online].sort()).toEqual(['alice', 'carol']);
  });

  it('tracks presence with one system line per change, none for itself', () => {
    const s = given(
      frame({ type: 'state', rooms: [], online: ['alice'] }),
      frame({ type: 'presence', user: 'bob', online: true }, 1),
      frame({ type: 'presence', user: 'bob', online: true }, 2),
      frame({ type: 'presence', user: 'bob', online: false }, 3),
      frame({ type: 'presence', user: 'alice', online: false }, 4),
    );
    expect(texts(s)).toEqual(['bob is online', 'bob went offline']);
    expect(s.online).toEqual([]);
  });

  it('goes online on hello and shows link changes', () => {
    const s = given({ type: 'link', link: 'reconnecting', detail: 'retrying in 1 s' });
    expect(s).toMatchObject({ link: 'reconnecting', linkDetail: 'retrying in 1 s' });
    expect(reduce(s, frame({ type: 'hello', user: 'alice', connectionId: 'c' })).link).toBe('online');
    expect(reduce(s, frame({ type: 'hello', user: 'Alice', connectionId: 'c' })).me).toBe('Alice');
  });
});

describe('private rooms', () => {
  it('marks a room private from the state frame, and only the rooms it lists as private', () => {
    const s = given(frame({ type: 'state', rooms: ['dev', 'plans'], privateRooms: ['plans'], online: ['alice'] }));
    expect(s.conversations[roomKey('plans')]).toMatchObject({ member: true, private: true });
    expect(s.conversations[roomKey('dev')]?.member).toBe(true);
    expect(s.conversations[roomKey('dev')]?.private ?? false).toBe(false);
  });

  it('marks a room private when the invitation to it says so', () => {
    const s = given(frame({ type: 'room', room: 'plans', user: 'alice', event: 'invited', by: 'bob', private: true }));
    expect(s.conversations[roomKey('plans')]).toMatchObject({ member: true, private: true });
    expect(texts(s, roomKey('plans'))).toEqual(['bob added you to #plans']);
  });

  it('shows a refused join of a private room with its reason and leaves the user outside', () => {
    const s = given(
      { type: 'join', id: 'j1', room: 'plans' },
      frame({ type: 'ack', id: 'j1', ok: true }),
      frame({ type: 'error', id: 'j1', error: { code: 'PARLEY_ROOM_PRIVATE', message: 'room "plans" is private: only a member can invite you' } }),
    );
    expect(s.conversations[roomKey('plans')]?.member).toBe(false);
    expect(texts(s, roomKey('plans'))).toEqual(['Could not join: room "plans" is private: only a member can invite you']);
  });
});

describe('display names', () => {
  it('learns names from state, presence, room and message frames and shows them in system lines', () => {
    const s = given(
      frame({ type: 'state', rooms: ['dev'], online: ['alice', 'bob-oid'], names: { 'bob-oid': 'Bob Builder' } }),
      frame({ type: 'presence', user: 'carol-oid', online: true, name: 'Carol C' }, 1),
      frame({ type: 'room', room: 'dev', user: 'dave-oid', userName: 'Dave D', event: 'joined' }, 2),
      frame({ type: 'room', room: 'dev', user: 'erin-oid', event: 'invited', by: 'bob-oid', byName: 'Bob Builder' }, 3),
      frame(msg({ id: 'm9', from: 'frank-oid', fromName: 'Frank F' }), 4),
    );
    expect(nameOf(s, 'bob-oid')).toBe('Bob Builder');
    expect(nameOf(s, 'frank-oid')).toBe('Frank F');
    // Nobody told erin's name: the id is shown.
    expect(nameOf(s, 'erin-oid')).toBe('erin-oid');
    expect(texts(s)).toContain('Carol C is online');
    expect(texts(s, roomKey('dev'))).toEqual(expect.arrayContaining(['Dave D joined', 'Bob Builder added erin-oid']));
    expect(messages(s)).toMatchObject([{ from: 'frank-oid', fromName: 'Frank F' }]);
  });

  it('takes a newer name from live frames, but a history page only fills names it does not know', () => {
    const s = given(
      frame({ type: 'presence', user: 'bob-oid', online: true, name: 'Bob New' }),
      frame({ type: 'history', messages: [msg({ id: 'm2', from: 'bob-oid', fromName: 'Bob Old' }), msg({ id: 'm3', from: 'cy', fromName: 'Cy', at: at(2) })], next: null }),
    );
    expect(nameOf(s, 'bob-oid')).toBe('Bob New');
    expect(nameOf(s, 'cy')).toBe('Cy');
    // Each message keeps the name its sender had then.
    expect(messages(s).map((m) => m.fromName)).toEqual(['Bob Old', 'Cy']);
  });

  it('keeps a user id such as "__proto__" an ordinary key', () => {
    const s = given(frame({ type: 'presence', user: '__proto__', online: true, name: 'Proto' }));
    expect(nameOf(s, '__proto__')).toBe('Proto');
    expect(nameOf(s, 'toString')).toBe('toString');
  });
});
