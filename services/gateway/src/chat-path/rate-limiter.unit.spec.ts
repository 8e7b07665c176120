import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limiter.js';

describe('RateLimiter (token bucket per user)', () => {
  it('given a full bucket, allows the burst and then refuses', () => {
    const limiter = new RateLimiter({ perSecond: 10, burst: 3, now: () => 0 });
    expect([1, 2, 3, 4].map(() => limiter.take('alice'))).toEqual([true, true, true, false]);
  });

  it('refills at the configured rate, never above the burst', () => {
    let now = 0;
    const limiter = new RateLimiter({ perSecond: 2, burst: 2, now: () => now });
    limiter.take('a');
    limiter.take('a');
    expect(limiter.take('a')).toBe(false);
    now += 500; // one token back
    expect(limiter.take('a')).toBe(true);
    expect(limiter.take('a')).toBe(false);
    now += 60_000; // a long pause still gives only the burst
    expect([1, 2, 3].map(() => limiter.take('a'))).toEqual([true, true, false]);
  });

  it('keeps users apart', () => {
    const limiter = new RateLimiter({ perSecond: 1, burst: 1, now: () => 0 });
    expect(limiter.take('alice')).toBe(true);
    expect(limiter.take('alice')).toBe(false);
    expect(limiter.take('bob')).toBe(true);
  });

  it('forgets idle (refilled) buckets when it holds too many, but keeps busy ones', () => {
    let now = 0;
    const limiter = new RateLimiter({ perSecond: 1, burst: 2, now: () => now, maxKeys: 3 });
    limiter.take('a');
    limiter.take('b');
    limiter.take('busy');
    limiter.take('busy');
    now += 1_000; // a and b are full again, busy has one token
    limiter.take('c');
    expect(limiter.size).toBe(2);
    expect(limiter.take('busy')).toBe(true);
    expect(limiter.take('busy')).toBe(false);
  });
});
