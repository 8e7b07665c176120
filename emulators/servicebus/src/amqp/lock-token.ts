import { randomUUID } from 'node:crypto';

/** A lock token: 16 UUID bytes in RFC order, as `$management` requests carry it. */
export interface LockToken {
  readonly bytes: Buffer;
  /** Hex of `bytes`, the key the broker files locks under. */
  readonly key: string;
}

export function newLockToken(): LockToken {
  const bytes = Buffer.from(randomUUID().replace(/-/g, ''), 'hex');
  return { bytes, key: bytes.toString('hex') };
}

export function lockTokenFromBytes(bytes: Buffer): LockToken {
  return { bytes, key: bytes.toString('hex') };
}

/**
 * The delivery tag for a token. The SDK reads the tag as a .NET Guid and
 * reorders the first eight bytes (3,2,1,0,5,4,7,6); doing the same here makes
 * its lock token string equal the UUID the broker files the lock under.
 */
export function deliveryTagFor(token: LockToken): Buffer {
  const b = token.bytes;
  const tag = Buffer.from(b);
  tag[0] = b[3] as number;
  tag[1] = b[2] as number;
  tag[2] = b[1] as number;
  tag[3] = b[0] as number;
  tag[4] = b[5] as number;
  tag[5] = b[4] as number;
  tag[6] = b[7] as number;
  tag[7] = b[6] as number;
  return tag;
}
