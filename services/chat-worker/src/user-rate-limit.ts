/**
 * The per-user frame rate, decided by the worker. chat-events sessions are keyed by the user, so
 * all of a user's frames — from every connection, through every gateway — are handled by the
 * one worker that holds the user's partition, one after another: a bucket in that worker's memory
 * is the user's whole rate, however many gateways there are. The gateways keep their own bucket
 * per process as a cheap first line that refuses before the bus.
 *
 * The rate is the one the gateway stamped on the event (its RATE_LIMIT_*), so it is set in one
 * place; the bucket holds one token more than the gateway's, so that with a single gateway the
 * order in which two connections' frames reach the bus never refuses a frame the gateway let through.
 *
 * Time is the event's `receivedAt` (the gateway's clock), not the worker's: a backlog handled in
 * a burst is judged at the rate it was sent. A bucket is lost when the partition moves to
 * another worker (scaling, a crash): the user then gets one more burst (docs/architecture.md § Limits).
 */
export interface Rate {
  /** Tokens added per second. */
  readonly perSecond: number;
  /** Bucket size. */
  readonly burst: number;
}

export interface UserRateLimitOptions {
  /** Buckets kept; past this, the full (idle) ones are dropped, which changes no decision. */
  readonly maxUsers?: number;
  /** Decisions remembered by event id, so a redelivery in this process is decided as the first time. */
  readonly rememberedEvents?: number;
}

interface Bucket {
  tokens: number;
  rate: Rate;
  /** The latest event time seen: time never runs back for a bucket (two gateways' clocks differ). */
  at: number;
}

export class UserRateLimit {
  private readonly buckets = new Map<string, Bucket>();
  private readonly decided = new Map<string, boolean>();
  private readonly maxUsers: number;
  private readonly rememberedEvents: number;

  constructor(options: UserRateLimitOptions = {}) {
    this.maxUsers = options.maxUsers ?? 100_000;
    this.rememberedEvents = options.rememberedEvents ?? 10_000;
  }

  /** Whether the user's frame (event `eventId`, received at `atMs`) is within the rate; takes a token if so. */
  allow(user: string, eventId: string, atMs: number, rate: Rate): boolean {
    const earlier = this.decided.get(eventId);
    if (earlier !== undefined) return earlier;
    const allowed = this.take(user, atMs, { perSecond: rate.perSecond, burst: rate.burst + 1 });
    if (this.decided.size >= this.rememberedEvents) this.decided.delete(this.decided.keys().next().value!);
    this.decided.set(eventId, allowed);
    return allowed;
  }

  get users(): number {
    return this.buckets.size;
  }

  private take(user: string, atMs: number, rate: Rate): boolean {
    let bucket = this.buckets.get(user);
    if (!bucket) {
      if (this.buckets.size >= this.maxUsers) this.sweep(atMs);
      bucket = { tokens: rate.burst, at: atMs, rate };
      this.buckets.set(user, bucket);
    } else {
      bucket.rate = rate;
      this.refill(bucket, atMs);
    }
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  private refill(bucket: Bucket, atMs: number): void {
    if (atMs <= bucket.at) return;
    bucket.tokens = Math.min(bucket.rate.burst, bucket.tokens + ((atMs - bucket.at) / 1000) * bucket.rate.perSecond);
    bucket.at = atMs;
  }

  /** Drops the buckets that are full by `atMs`: forgetting them changes nothing. */
  private sweep(atMs: number): void {
    for (const [user, bucket] of this.buckets) {
      this.refill(bucket, atMs);
      if (bucket.tokens >= bucket.rate.burst) this.buckets.delete(user);
    }
  }
}
