import { describe, expect, it } from 'vitest';
import { UserRateLimit } from './user-rate-limit.js';

// The bucket holds the gateway's burst plus one token (see UserRateLimit).
describe('UserRateLimit', () => {
  it('allows the burst (plus one), then the rate, by the events\' own times', () => {
    const limit = new UserRateLimit();
    const rate = { perSecond: 10, burst: 2 };
    const at = 1_000_000;
    expect([1, 2, 3, 4].map((i) => limit.allow('alice', `e${i}`, at, rate))).toEqual([true, true, true, false]);
    // 100 ms later one token came back, and only one.
    expect(limit.allow('alice', 'e5', at + 100, rate)).toBe(true);
    expect(limit.allow('alice', 'e6', at + 100, rate)).toBe(false);
    // Another user has a bucket of their own.
    expect(limit.allow('bob', 'e7', at + 100, rate)).toBe(true);
  });

  it('decides a redelivered event as the first time, allowed or refused', () => {
    const limit = new UserRateLimit();
    const rate = { perSecond: 1, burst: 0 };
    expect(limit.allow('alice', 'e1', 0, rate)).toBe(true);
    expect(limit.allow('alice', 'e2', 0, rate)).toBe(false);
    expect(limit.allow('alice', 'e1', 0, rate)).toBe(true);
    expect(limit.allow('alice', 'e2', 5_000, rate)).toBe(false);
  });

  it('never refills for an event stamped earlier than one already seen (gateway clocks differ)', () => {
    const limit = new UserRateLimit();
    const rate = { perSecond: 10, burst: 0 };
    expect(limit.allow('alice', 'late', 10_000, rate)).toBe(true);
    expect(limit.allow('alice', 'early', 9_000, rate)).toBe(false);
    expect(limit.allow('alice', 'next', 10_100, rate)).toBe(true);
  });

  it('stays bounded: idle full buckets are dropped, busy ones kept', () => {
    const limit = new UserRateLimit({ maxUsers: 3 });
    const rate = { perSecond: 10, burst: 1 };
    limit.allow('busy', 'b1', 0, rate);
    limit.allow('busy', 'b2', 0, rate);
    limit.allow('u1', 'x1', 0, rate);
    limit.allow('u2', 'x2', 0, rate);
    limit.allow('u3', 'x3', 100, rate);
    expect(limit.users).toBeLessThanOrEqual(3);
    // busy had no token left at 0 and got one back by 100 ms: kept, with one token.
    expect(limit.allow('busy', 'b3', 100, rate)).toBe(true);
    expect(limit.allow('busy', 'b4', 100, rate)).toBe(false);
  });
});
