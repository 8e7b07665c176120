import { describe, expect, it } from 'vitest';
import { outcomeOf } from './errors.js';

describe('outcomeOf: the one classification of an answer', () => {
  it.each([
    [200, false, 'done'],
    [202, false, 'done'],
    [204, true, 'done'],
    [404, true, 'gone'],
    [404, false, 'dead-letter'],
    [400, true, 'dead-letter'],
    [401, false, 'dead-letter'],
    [403, false, 'dead-letter'],
    [408, false, 'retry'],
    [429, true, 'retry'],
    [500, false, 'retry'],
    [503, true, 'retry'],
  ] as const)('%i (connection command: %s) → %s', (status, goneIsDone, outcome) => {
    expect(outcomeOf(status, goneIsDone)).toBe(outcome);
  });
});
