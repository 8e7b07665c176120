export interface BackoffOptions {
  /** Delay before the first retry, ms. */
  readonly baseMs: number;
  /** Upper bound of the exponential part, ms. */
  readonly maxMs: number;
}

export const defaultBackoff: BackoffOptions = { baseMs: 500, maxMs: 15_000 };

/**
 * Exponential back-off with "equal jitter": half the window is fixed, half is
 * random, so a crowd of clients that lost the same server spreads out while
 * none retries in a hot loop. `attempt` counts from 0.
 */
export function backoffDelay(attempt: number, random: () => number, options: BackoffOptions = defaultBackoff): number {
  const window = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(window / 2 + random() * (window / 2));
}
