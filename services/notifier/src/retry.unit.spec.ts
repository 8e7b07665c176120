import { describe, expect, it } from 'vitest';
import { backoffDelay, decideRetry } from './retry.js';

const policy = { maxAttempts: 5, baseMs: 100, maxDelayMs: 1_000 };

describe('backoffDelay (full jitter)', () => {
  it('grows exponentially up to the cap, scaled by the random draw', () => {
    const top = () => 0.999999;
    expect([0, 1, 2, 3, 4, 5].map((retry) => backoffDelay(retry, policy, top))).toEqual([99, 199, 399, 799, 999, 999]);
  });

  it('can be zero and never reaches the ceiling', () => {
    expect(backoffDelay(3, policy, () => 0)).toBe(0);
    expect(backoffDelay(3, policy, () => 0.5)).toBe(400);
  });

  it('does not overflow on large retry counts', () => {
    expect(backoffDelay(10_000, policy, () => 0.5)).toBe(500);
  });
});

describe('decideRetry', () => {
  it('backs off with jitter while attempts remain', () => {
    expect(decideRetry(1, undefined, policy, () => 0.5)).toEqual({ retry: true, delayMs: 50 });
    expect(decideRetry(3, undefined, policy, () => 0.5)).toEqual({ retry: true, delayMs: 200 });
  });

  it('honours Retry-After exactly', () => {
    expect(decideRetry(1, 700, policy, () => 0)).toEqual({ retry: true, delayMs: 700 });
  });

  it('gives the message back when Retry-After asks for more than the max delay', () => {
    expect(decideRetry(1, 1_001, policy)).toEqual({ retry: false, why: 'retry-after-too-long' });
  });

  it('stops after the last attempt', () => {
    expect(decideRetry(5, undefined, policy)).toEqual({ retry: false, why: 'attempts-exhausted' });
    expect(decideRetry(5, 10, policy)).toEqual({ retry: false, why: 'attempts-exhausted' });
  });
});
