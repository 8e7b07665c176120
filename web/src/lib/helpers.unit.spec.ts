import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.js';
import { conversationTitle, shortTime, totalUnread } from './format.js';
import { newClientId } from './ids.js';
import { directKey, historyTarget, keyOfMessage, parseKey, roomKey, sendTarget } from './keys.js';
import { checkName, checkText, checkUserName } from './limits.js';
import { PendingStore } from './pending-store.js';
import { homeUrl, readName } from './sign-in.js';

describe('backoffDelay', () => {
  it('doubles the window per attempt, keeps half of it fixed and caps it', () => {
    const opts = { baseMs: 500, maxMs: 15_000 };
    expect([0, 1, 2, 3].map((a) => backoffDelay(a, () => 0, opts))).toEqual([250, 500, 1000, 2000]);
    expect(backoffDelay(0, () => 0.999999, opts)).toBe(500);
    expect(backoffDelay(40, () => 1, opts)).toBe(15_000);
  });
});

describe('newClientId', () => {
  it('is unique across page loads: time plus 8 random bytes, within the id limit', () => {
    const a = newClientId(() => 1_700_000_000_000, () => new Uint8Array(8).fill(1));
    expect(a).toBe(`c${(1_700_000_000_000).toString(36)}-0101010101010101`);
    const ids = new Set(Array.from({ length: 200 }, () => newClientId()));
    expect(ids.size).toBe(200);
    for (const id of ids) expect(id.length).toBeLessThanOrEqual(64);
  });
});

describe('conversation keys', () => {
  it('address rooms, direct chats and the lobby in frames', () => {
    expect(parseKey(roomKey('dev:ops'))).toEqual({ kind: 'room', name: 'dev:ops' });
    expect(sendTarget(directKey('bob'))).toEqual({ to: 'bob' });
    expect(historyTarget(directKey('bob'))).toEqual({ with: 'bob' });
    expect(sendTarget('lobby')).toEqual({});
    expect(keyOfMessage('alice', { from: 'alice', to: 'bob' })).toBe('dm:bob');
    expect(keyOfMessage('alice', { from: 'bob', to: 'alice' })).toBe('dm:bob');
    expect(keyOfMessage('alice', { from: 'bob', room: 'dev' })).toBe('room:dev');
    expect(keyOfMessage('alice', { from: 'bob' })).toBe('lobby');
  });
});

describe('limits', () => {
  it('refuse empty or too long text, counting code points', () => {
    expect(checkText('  \n ')).toMatch(/Write something/);
    expect(checkText('😀'.repeat(4000))).toBeUndefined();
    expect(checkText('a'.repeat(4001))).toMatch(/4001 of at most 4000/);
  });

  it('refuse empty, long or control-character names', () => {
    expect(checkName('', 'room')).toMatch(/Enter a room name/);
    expect(checkName('x'.repeat(65), 'user')).toMatch(/at most 64/);
    expect(checkName('a\u0007b', 'name')).toMatch(/control/);
    expect(checkName('élodie 🌿', 'room')).toBeUndefined();
  });

  it('hold user names to what the gateway accepts', () => {
    expect(checkUserName('Alice B.')).toBeUndefined();
    expect(checkUserName('élodie')).toMatch(/ASCII/);
    expect(checkUserName(' alice')).toMatch(/space/);
    expect(checkUserName('')).toMatch(/Enter a name/);
  });
});

describe('sign in', () => {
  it('reads the name from the query and builds the home URL', () => {
    expect(readName('?name=%20alice%20')).toBe('alice');
    expect(readName('?name=')).toBeUndefined();
    expect(readName('')).toBeUndefined();
    expect(homeUrl('a b&c')).toBe('/api/home?name=a%20b%26c');
  });
});

describe('format', () => {
  it('formats times, titles and unread totals', () => {
    expect(shortTime('2026-01-01T10:05:00.000Z', 'en-GB')).toMatch(/\d\d:05/);
    expect(shortTime('nonsense')).toBe('');
    expect(conversationTitle({ kind: 'room', name: 'dev' })).toBe('#dev');
    expect(conversationTitle({ kind: 'direct', name: 'bob' })).toBe('@bob');
    expect(totalUnread([{ unread: 2 }, { unread: 0 }, { unread: 3 }])).toBe(5);
  });
});

describe('PendingStore', () => {
  it('keeps un-acked frames in send order, once each', () => {
    const store = new PendingStore();
    store.add({ type: 'send', id: 'a', text: '1' });
    store.add({ type: 'join', id: 'b', room: 'dev' });
    store.add({ type: 'send', id: 'a', text: '1' });
    expect(store.list().map((f) => f.id)).toEqual(['a', 'b']);
    expect(store.settle('a')?.type).toBe('send');
    expect(store.settle('a')).toBeUndefined();
    expect(store.size).toBe(1);
  });
});
