import { describe, expect, it } from 'vitest';
import { EMOJI, Limits, type EmojiName } from '@parley/contracts';
import { addReaction, MAX_REACTIONS_JSON_CHARS, removeReaction, shownReactions } from './reactions.js';

const names = Object.keys(EMOJI) as EmojiName[];

describe('reaction lists', () => {
  it('given no reactions, when a user adds one, then the emoji has that user and a count of one', () => {
    expect(addReaction([], 'tada', 'alice')).toEqual({ kind: 'changed', reactions: [{ emoji: 'tada', count: 1, users: ['alice'] }] });
  });

  it('given an emoji, when another user adds it, then they join its users and new emoji go last', () => {
    const one = [{ emoji: 'tada', count: 1, users: ['alice'] }];
    expect(addReaction(one, 'tada', 'bob')).toEqual({ kind: 'changed', reactions: [{ emoji: 'tada', count: 2, users: ['alice', 'bob'] }] });
    expect(addReaction(one, 'heart', 'bob')).toEqual({
      kind: 'changed',
      reactions: [{ emoji: 'tada', count: 1, users: ['alice'] }, { emoji: 'heart', count: 1, users: ['bob'] }],
    });
  });

  it('given a user reacted with an emoji, when they add it again, then nothing changes', () => {
    expect(addReaction([{ emoji: 'tada', count: 1, users: ['alice'] }], 'tada', 'alice')).toEqual({ kind: 'unchanged' });
  });

  it('given a user did not react with an emoji, when they remove it, then nothing changes', () => {
    expect(removeReaction([{ emoji: 'tada', count: 1, users: ['alice'] }], 'tada', 'bob')).toEqual({ kind: 'unchanged' });
    expect(removeReaction([], 'heart', 'bob')).toEqual({ kind: 'unchanged' });
  });

  it('given two users gave an emoji, when one removes it, then exactly that user is gone; the last one removes the emoji', () => {
    const two = [{ emoji: 'tada', count: 2, users: ['alice', 'bob'] }, { emoji: 'eyes', count: 1, users: ['carol'] }];
    const afterBob = removeReaction(two, 'tada', 'bob');
    expect(afterBob).toEqual({ kind: 'changed', reactions: [{ emoji: 'tada', count: 1, users: ['alice'] }, { emoji: 'eyes', count: 1, users: ['carol'] }] });
    expect(afterBob.kind === 'changed' && removeReaction(afterBob.reactions, 'tada', 'alice')).toEqual({
      kind: 'changed',
      reactions: [{ emoji: 'eyes', count: 1, users: ['carol'] }],
    });
  });

  it('given the most distinct emoji a message holds, when a new one is added, then it is full; an existing one still takes users', () => {
    const full = Array.from({ length: Limits.maxReactionsPerMessage }, (_, i) => ({ emoji: `e${i}`, count: 1, users: ['alice'] }));
    full[0] = { emoji: 'tada', count: 1, users: ['alice'] };
    expect(addReaction(full, names.find((name) => name !== 'tada')!, 'bob')).toEqual({ kind: 'full' });
    expect(addReaction(full, 'tada', 'bob').kind).toBe('changed');
  });

  it('given a list at its size bound, when one more user reacts, then it is full', () => {
    const users = Array.from({ length: 2_000 }, (_, i) => `user-with-a-long-id-${String(i).padStart(6, '0')}`);
    const big = [{ emoji: 'tada', count: users.length, users }];
    expect(JSON.stringify(big).length).toBeGreaterThan(MAX_REACTIONS_JSON_CHARS - 40);
    const within = users.slice(0, 400);
    expect(addReaction([{ emoji: 'tada', count: within.length, users: within }], 'tada', 'bob').kind).toBe('changed');
    expect(addReaction(big, 'tada', 'bob')).toEqual({ kind: 'full' });
  });

  it('given more reacting users than a frame lists, when shown, then the count stays exact and the users are cut', () => {
    const users = Array.from({ length: Limits.maxReactorsListed + 5 }, (_, i) => `u${i}`);
    const [shown] = shownReactions([{ emoji: 'tada', count: users.length, users }]);
    expect(shown).toEqual({ emoji: 'tada', count: Limits.maxReactorsListed + 5, users: users.slice(0, Limits.maxReactorsListed) });
  });
});
