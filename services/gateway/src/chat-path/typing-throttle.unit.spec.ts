import { describe, expect, it } from 'vitest';
import { Limits } from '@parley/contracts';
import { TypingThrottle } from './typing-throttle.js';

const inRoom = (room: string) => ({ type: 'typing' as const, id: 't', room });
const toUser = (to: string) => ({ type: 'typing' as const, id: 't', to });

describe('TypingThrottle (per connection and conversation)', () => {
  it('given a typing frame let through, refuses the next one in the same conversation within the interval', () => {
    const throttle = new TypingThrottle();
    expect(throttle.take('c1', inRoom('dev'), 1_000)).toBe(true);
    expect(throttle.take('c1', inRoom('dev'), 1_000 + Limits.typingIntervalMs - 1)).toBe(false);
    expect(throttle.take('c1', inRoom('dev'), 1_000 + Limits.typingIntervalMs)).toBe(true);
  });

  it('a refused frame does not push the next allowed time back', () => {
    const throttle = new TypingThrottle({ intervalMs: 100 });
    expect(throttle.take('c1', inRoom('dev'), 0)).toBe(true);
    expect(throttle.take('c1', inRoom('dev'), 50)).toBe(false);
    expect(throttle.take('c1', inRoom('dev'), 100)).toBe(true);
  });

  it('keeps conversations and connections apart; a room and a user of the same name are two conversations', () => {
    const throttle = new TypingThrottle({ intervalMs: 100 });
    expect(throttle.take('c1', inRoom('dev'), 0)).toBe(true);
    expect(throttle.take('c1', inRoom('ops'), 0)).toBe(true);
    expect(throttle.take('c1', toUser('dev'), 0)).toBe(true);
    expect(throttle.take('c2', inRoom('dev'), 0)).toBe(true);
    expect(throttle.take('c1', toUser('dev'), 10)).toBe(false);
  });

  it('forgets a closed connection, and quiet connections when it holds too many', () => {
    const throttle = new TypingThrottle({ intervalMs: 100, maxConnections: 2 });
    throttle.take('c1', inRoom('dev'), 0);
    throttle.forget('c1');
    expect(throttle.take('c1', inRoom('dev'), 1)).toBe(true);
    throttle.take('c2', inRoom('dev'), 150);
    // c1 is quiet by now (typed at 1), c2 is not: the sweep keeps c2 and its refusal.
    throttle.take('c3', inRoom('dev'), 160);
    expect(throttle.size).toBe(2);
    expect(throttle.take('c2', inRoom('dev'), 170)).toBe(false);
  });
});
