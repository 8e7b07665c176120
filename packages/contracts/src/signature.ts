import { createHmac, timingSafeEqual } from 'node:crypto';

/** hex(HMAC-SHA256(key = access key, data = connection id)), docs/protocols.md §1. */
export function computeSignature(connectionId: string, accessKey: string): string {
  return createHmac('sha256', accessKey).update(connectionId, 'utf8').digest('hex');
}

/** The X-ASRS-Signature header value: one `sha256=` entry per configured key. */
export function signatureHeader(connectionId: string, accessKeys: readonly string[]): string {
  return accessKeys.map((key) => `sha256=${computeSignature(connectionId, key)}`).join(',');
}

/**
 * True when any `sha256=` value of the header matches the HMAC of the connection
 * id under any of the keys. Constant-time per comparison; every pair is compared
 * so the time does not reveal which key matched.
 */
export function verifySignature(header: string | undefined, connectionId: string, accessKeys: readonly string[]): boolean {
  if (!header || accessKeys.length === 0) return false;
  const offered = header
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.toLowerCase().startsWith('sha256='))
    .map((part) => Buffer.from(part.slice('sha256='.length).toLowerCase(), 'utf8'));
  let matched = false;
  for (const key of accessKeys) {
    const expected = Buffer.from(computeSignature(connectionId, key), 'utf8');
    for (const candidate of offered) {
      if (candidate.length === expected.length && timingSafeEqual(candidate, expected)) matched = true;
    }
  }
  return matched;
}
