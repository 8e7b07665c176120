/**
 * Stable partitioning of a key (connection id, group, user) into N partitions.
 * FNV-1a 32-bit over the UTF-8 bytes: the same on every process and every run,
 * cheap, and evenly spread for the short ids Parley hashes.
 */
export function fnv1a32(key: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(key, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

export function partitionOf(key: string, partitions: number): number {
  if (!Number.isInteger(partitions) || partitions < 1) throw new RangeError('partitions must be a positive integer');
  return fnv1a32(key) % partitions;
}

/** The Service Bus session id of a key's partition, e.g. `p-07`. */
export function partitionSessionId(key: string, partitions: number): string {
  return `p-${String(partitionOf(key, partitions)).padStart(2, '0')}`;
}

export const DEFAULT_PARTITIONS = 64;
