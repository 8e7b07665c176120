import { describe, expect, it } from 'vitest';
import { directConversation } from '@parley/contracts';
import { ListedDirectChats } from './listed-direct-chats.js';
import type { ProjectionWrite } from './rules/index.js';

const message = { kind: 'putMessage', hub: 'chat', conversation: directConversation('alice', 'bob'), message: { type: 'message', id: 'm1', clientId: 'c1', from: 'alice', to: 'bob', text: 'hi', at: '2026-12-07T12:00:00.000Z' } } as const;
const listings: ProjectionWrite[] = [
  { kind: 'putDirectChat', hub: 'chat', user: 'alice', peer: 'bob' },
  { kind: 'putDirectChat', hub: 'chat', user: 'bob', peer: 'alice' },
];

describe('ListedDirectChats', () => {
  it('given the rows were written, when the next message decides them again, then only the message is written', () => {
    let now = 0;
    const listed = new ListedDirectChats(1_000, 100, () => now);
    const writes = [message, ...listings];
    expect(listed.unwritten(writes)).toEqual(writes);
    listed.written(writes);
    expect(listed.unwritten(writes)).toEqual([message]);
    // Another hub's chat between the same users is another row.
    expect(listed.unwritten([{ ...listings[0]!, hub: 'other' } as ProjectionWrite])).toHaveLength(1);
    now = 1_001;
    expect(listed.unwritten(writes)).toEqual(writes);
  });

  it('given it is full, when one more is written, then it forgets the rest (written again, harmlessly)', () => {
    const listed = new ListedDirectChats(60_000, 2);
    listed.written(listings);
    listed.written([{ kind: 'putDirectChat', hub: 'chat', user: 'carol', peer: 'dan' }]);
    expect(listed.unwritten(listings)).toEqual(listings);
  });
});
