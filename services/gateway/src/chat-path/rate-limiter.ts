/**
 * Token bucket per key (user id), in memory: the gateway's first line, which refuses a flood
 * before it reaches the bus. Per gateway instance: with N instances behind the front door up
 * to N times the rate reaches the bus; the exact per-user limit across instances is the
 * worker's (services/chat-worker/src/user-rate-limit.ts), which enforces the rate this one
 * stamps on each message (docs/architecture.md § Limits).
 */
export interface RateLimiterOptions {
  /** Tokens added per second. */
  perSecond: number;
  /** Bucket size: how many frames may come at once after a quiet spell. */
  burst: number;
  now?: () => number;
  /** Past this many buckets, full (idle) ones are swept so memory stays bounded. */
  maxKeys?: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly now: () => number;
  private readonly maxKeys: number;

  constructor(private readonly options: RateLimiterOptions) {
    this.now = options.now ?? Date.now;
    this.maxKeys = options.maxKeys ?? 100_000;
  }

  /** Takes one token for `key` at `now` (default: the clock); false when the bucket is empty. */
  take(key: string, now = this.now()): boolean {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= this.maxKeys) this.sweep(now);
      bucket = { tokens: this.options.burst, updatedAt: now };
      this.buckets.set(key, bucket);
    } else {
      this.refill(bucket, now);
    }
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  get size(): number {
    return this.buckets.size;
  }

  private refill(bucket: Bucket, now: number): void {
    const elapsed = Math.max(0, now - bucket.updatedAt) / 1000;
    bucket.tokens = Math.min(this.options.burst, bucket.tokens + elapsed * this.options.perSecond);
    bucket.updatedAt = now;
  }

  /** Drops buckets that have refilled completely: forgetting them changes nothing. */
  private sweep(now: number): void {
    for (const [key, bucket] of this.buckets) {
      this.refill(bucket, now);
      if (bucket.tokens >= this.options.burst) this.buckets.delete(key);
    }
  }
}
