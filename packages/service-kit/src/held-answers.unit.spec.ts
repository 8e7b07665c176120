import { describe, expect, it } from 'vitest';
import { HeldAnswers } from './held-answers.js';

describe('HeldAnswers', () => {
  it('answers until the hold is over, then forgets', () => {
    let now = 1_000;
    const held = new HeldAnswers<boolean>(5_000, 10, () => now);
    held.set('dev\nalice', true);
    now += 4_999;
    expect(held.get('dev\nalice')).toBe(true);
    now += 1;
    expect(held.get('dev\nalice')).toBeUndefined();
    expect(held.size).toBe(0);
  });

  it('stays bounded: a full cache drops the expired answers first, then everything', () => {
    let now = 0;
    const held = new HeldAnswers<number>(100, 3, () => now);
    held.set('a', 1);
    now = 50;
    held.set('b', 2);
    held.set('c', 3);
    now = 120; // `a` has expired, `b` and `c` have not
    held.set('d', 4);
    expect([held.get('a'), held.get('b'), held.get('c'), held.get('d')]).toEqual([undefined, 2, 3, 4]);
    held.set('e', 5); // full of live answers: all go, the new one stays
    expect(held.size).toBe(1);
    expect(held.get('e')).toBe(5);
  });
});
