/**
 * Client frame ids. The backend keeps each (user, id) at most once, for good,
 * so ids must stay unique across page loads and tabs: a counter alone would
 * collide after a reload. Time + randomness, well under the 64-char limit.
 */
export function newClientId(
  now: () => number = Date.now,
  randomBytes: (n: number) => Uint8Array = (n) => crypto.getRandomValues(new Uint8Array(n)),
): string {
  const random = Array.from(randomBytes(8), (b) => b.toString(16).padStart(2, '0')).join('');
  return `c${now().toString(36)}-${random}`;
}
