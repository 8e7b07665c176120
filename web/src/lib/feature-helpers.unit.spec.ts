import { describe, expect, it } from 'vitest';
import { emojiChar } from './emoji.js';
import { inWords } from './error-words.js';
import { badgeCount, typingText } from './format.js';
import { splitMentions } from './mentions.js';
import { parseServerFrames } from './server-frames.js';

describe('emojiChar', () => {
  it('shows the character of a known reaction name and the name of an unknown one', () => {
    expect(emojiChar('tada')).toBe('🎉');
    expect(emojiChar('unknown')).toBe(':unknown:');
  });
});

describe('splitMentions', () => {
  const names: Record<string, string> = { u1: 'Ann', u2: 'Anna Lee' };
  const nameOf = (u: string) => names[u] ?? u;

  it('marks @id and @display name of mentioned users, the longest spelling first, case-insensitive', () => {
    expect(splitMentions('hi @anna lee and @ANN, not @annex or @carol', ['u1', 'u2'], nameOf)).toEqual([
      { text: 'hi ' },
      { text: '@anna lee', mention: 'u2' },
      { text: ' and ' },
      { text: '@ANN', mention: 'u1' },
      { text: ', not @annex or @carol' },
    ]);
    expect(splitMentions('ping @u1', ['u1'], nameOf)).toEqual([{ text: 'ping ' }, { text: '@u1', mention: 'u1' }]);
  });

  it('leaves text without mentions whole', () => {
    expect(splitMentions('mail me @ home', undefined, nameOf)).toEqual([{ text: 'mail me @ home' }]);
    expect(splitMentions('@bob', ['carol'], nameOf)).toEqual([{ text: '@bob' }]);
  });
});

describe('words', () => {
  it('say who is typing', () => {
    expect(typingText([])).toBe('');
    expect(typingText(['alice'])).toBe('alice is typing…');
    expect(typingText(['alice', 'bob'])).toBe('alice and bob are typing…');
    expect(typingText(['a', 'b', 'c'])).toBe('a, b and 1 other are typing…');
    expect(typingText(['a', 'b', 'c', 'd'])).toBe('a, b and 2 others are typing…');
  });

  it('cap badges at 99+ (the server counts to 100)', () => {
    expect(badgeCount(7)).toBe('7');
    expect(badgeCount(100)).toBe('99+');
  });

  it('word known codes and fall back to the server’s message', () => {
    expect(inWords({ code: 'PARLEY_BANNED', message: 'x' })).toBe('you are banned from this room');
    expect(inWords({ code: 'PARLEY_MUTED', message: 'you are muted in room "dev" until 2026-12-07T07:48:06.499Z' }, 'en-GB')).toMatch(/^you are muted here until \d\d:\d\d$/);
    expect(inWords({ code: 'PARLEY_MUTED', message: 'muted' })).toBe('you are muted here');
    expect(inWords({ code: 'PARLEY_NEW', message: 'new words' })).toBe('new words');
  });
});

describe('reading the new server frames', () => {
  it('accepts each new frame type and drops malformed ones', () => {
    const frames = [
      { type: 'update', id: 'm', from: 'a', room: 'r', text: 't', editedAt: '2026-01-01T00:00:00Z', by: 'a' },
      { type: 'typing', user: 'a', room: 'r' },
      { type: 'read', user: 'a', to: 'b', message: 'm', at: '2026-01-01T00:00:00Z' },
      { type: 'members', id: 'q', room: 'r', members: [{ user: 'a', role: 'owner', online: true }] },
      { type: 'directory', id: 'd', rooms: [{ room: 'r', members: 2 }], next: null },
      { type: 'moderation', room: 'r', action: 'muted', user: 'b', by: 'a', until: '2026-01-01T00:10:00Z' },
      { type: 'state', rooms: [], online: [], unread: [{ room: 'r', count: 1, mentions: 0 }] },
    ];
    expect(parseServerFrames(JSON.stringify({ type: 'batch', frames }))).toHaveLength(frames.length);
    for (const bad of [
      { type: 'members', room: 'r', members: [{ user: 'a', role: 'king', online: true }] },
      { type: 'moderation', room: 'r', action: 'exiled', user: 'b', by: 'a' },
      { type: 'update', id: 'm', from: 'a', by: 'a', reactions: [{ emoji: 'tada', count: 'two', users: [] }] },
      { type: 'state', rooms: [], online: [], unread: [{ room: 'r' }] },
    ]) {
      expect(parseServerFrames(JSON.stringify(bad))).toBeUndefined();
    }
  });
});
