/**
 * The gateway limits each user to a token bucket (RATE_LIMIT_BURST 20, RATE_LIMIT_PER_SECOND
 * 10 by default, which the stack keeps). Only the flood case tests that limit; every other
 * case must never race it, or a frame it expects to be accepted comes back
 * PARLEY_RATE_LIMITED because earlier cases spent the same user's bucket. So the suite keeps
 * its own bucket per user at half the gateway's and waits for a token before each frame it
 * sends on a user's behalf: pacing, not a proof of anything.
 */
const PACE = { burst: 10, perSecond: 5 } as const;

const buckets = new Map<string, { tokens: number; at: number }>();

/** Resolves once `user` may send one more frame without nearing the gateway's limit, and spends it. */
export async function paced(user: string): Promise<void> {
  for (;;) {
    const now = Date.now();
    const bucket = buckets.get(user) ?? { tokens: PACE.burst, at: now };
    bucket.tokens = Math.min(PACE.burst, bucket.tokens + ((now - bucket.at) / 1_000) * PACE.perSecond);
    bucket.at = now;
    buckets.set(user, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, Math.ceil(((1 - bucket.tokens) / PACE.perSecond) * 1_000)));
  }
}
