import { SignJWT } from 'jose';

export interface TokenCacheOptions {
  accessKey: string;
  /** Token lifetime; short, so a leaked token is of little use. */
  ttlSeconds?: number;
  /** A cached token is replaced this long before it expires, so it never expires in flight. */
  refreshBeforeSeconds?: number;
  /** Most audiences remembered; the oldest is dropped first. */
  maxEntries?: number;
  now?: () => number;
}

interface Entry {
  readonly token: string;
  readonly exp: number;
}

/**
 * REST tokens (docs/protocols.md §1): HS256 with the access key, `aud` = the
 * request URL without query string, and `exp`. Signing is cheap but not free,
 * and sends to the same group repeat the same URL, so tokens are cached per
 * audience until shortly before they expire.
 */
export class TokenCache {
  private readonly key: Uint8Array;
  private readonly ttl: number;
  private readonly refreshBefore: number;
  private readonly maxEntries: number;
  private readonly now: () => number;
  private readonly entries = new Map<string, Entry>();

  constructor(options: TokenCacheOptions) {
    this.key = new TextEncoder().encode(options.accessKey);
    this.ttl = options.ttlSeconds ?? 300;
    this.refreshBefore = options.refreshBeforeSeconds ?? 30;
    this.maxEntries = options.maxEntries ?? 10_000;
    this.now = options.now ?? Date.now;
    if (this.refreshBefore >= this.ttl) throw new RangeError('refreshBeforeSeconds must be shorter than ttlSeconds');
  }

  get size(): number {
    return this.entries.size;
  }

  async tokenFor(audience: string): Promise<string> {
    const nowSeconds = Math.floor(this.now() / 1_000);
    const cached = this.entries.get(audience);
    if (cached && cached.exp - this.refreshBefore > nowSeconds) return cached.token;
    const exp = nowSeconds + this.ttl;
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setAudience(audience).setIssuedAt(nowSeconds).setExpirationTime(exp).sign(this.key);
    // Re-inserting moves the entry to the end, so the Map's order is oldest-first.
    this.entries.delete(audience);
    this.entries.set(audience, { token, exp });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
    return token;
  }
}
