import { describe, expect, it } from 'vitest';
import { amendmentOf } from './message-traces.js';

const keys = { partitionKey: 'chat_room_dev', rowKey: '8000000000000_01J' };

describe("a user's traces in other users' messages", () => {
  it('takes the user out of every reaction, dropping an emoji only they gave, with exact counts', () => {
    const reactions = JSON.stringify([
      { emoji: 'tada', count: 2, users: ['alice', 'bob'] },
      { emoji: 'eyes', count: 1, users: ['alice'] },
    ]);
    expect(amendmentOf({ ...keys, reactions }, 'alice')).toEqual({ ...keys, reactions: JSON.stringify([{ emoji: 'tada', count: 1, users: ['bob'] }]) });
  });

  it("empties the quote of the user's message: neither author nor text, the id kept", () => {
    const replyTo = JSON.stringify({ id: '01JQ', from: 'alice', fromName: 'Alice', text: 'my secret' });
    expect(amendmentOf({ ...keys, replyTo }, 'alice')).toEqual({ ...keys, replyTo: JSON.stringify({ id: '01JQ', from: '', text: '' }) });
  });

  it('leaves rows that hold nothing of the user (or columns that do not parse) alone', () => {
    const reactions = JSON.stringify([{ emoji: 'tada', count: 1, users: ['bob'] }]);
    const replyTo = JSON.stringify({ id: '01JQ', from: 'bob', text: 'hi' });
    expect(amendmentOf({ ...keys, reactions, replyTo }, 'alice')).toBeUndefined();
    expect(amendmentOf({ ...keys, reactions: 'not json', replyTo: '{' }, 'alice')).toBeUndefined();
    expect(amendmentOf(keys, 'alice')).toBeUndefined();
  });
});
