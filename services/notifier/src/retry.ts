import type { RetryPolicy } from './config.js';

/**
 * Exponential back-off with full jitter: a uniform delay in
 * [0, min(maxDelay, base · 2^retry)). `retry` counts from 0 for the first retry.
 * Full jitter spreads the retries of many sessions hitting the same throttle.
 */
export function backoffDelay(retry: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseMs * 2 ** Math.min(retry, 30));
  return Math.floor(random() * ceiling);
}

export type RetryDecision = { retry: true; delayMs: number } | { retry: false; why: 'attempts-exhausted' | 'retry-after-too-long' };

/**
 * What to do after failed attempt number `attempt` (1-based). A `Retry-After`
 * is honoured exactly; when it asks for longer than the policy's max delay the
 * message goes back to the broker instead of holding its session lock.
 */
export function decideRetry(attempt: number, retryAfterMs: number | undefined, policy: RetryPolicy, random?: () => number): RetryDecision {
  if (attempt >= policy.maxAttempts) return { retry: false, why: 'attempts-exhausted' };
  if (retryAfterMs !== undefined) {
    return retryAfterMs > policy.maxDelayMs ? { retry: false, why: 'retry-after-too-long' } : { retry: true, delayMs: retryAfterMs };
  }
  return { retry: true, delayMs: backoffDelay(attempt - 1, policy, random) };
}
