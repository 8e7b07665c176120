/**
 * Message ids seen within the duplicate-detection window of one queue or
 * topic. Insertion order is arrival order, so pruning stops at the first
 * id that is still inside the window.
 */
export class DuplicateDetector {
  private readonly seen = new Map<string, number>();

  constructor(readonly windowMs: number) {}

  /** Records the id unless it was seen within the window; returns true for a duplicate. */
  check(id: string, now: number): boolean {
    this.prune(now);
    if (this.seen.has(id)) return true;
    this.seen.set(id, now);
    return false;
  }

  /** Restores an id from the journal. */
  restore(id: string, at: number, now: number): void {
    if (at + this.windowMs > now) {
      this.seen.delete(id);
      this.seen.set(id, at);
    }
  }

  entries(now: number): [string, number][] {
    this.prune(now);
    return [...this.seen.entries()];
  }

  private prune(now: number): void {
    for (const [id, at] of this.seen) {
      if (at + this.windowMs > now) break;
      this.seen.delete(id);
    }
  }
}

/** A stable key for an AMQP message-id of any type (string, ulong, uuid, binary). */
export function messageIdKey(id: unknown): string | undefined {
  if (id === undefined || id === null) return undefined;
  if (typeof id === 'string') return `s:${id}`;
  if (typeof id === 'number' || typeof id === 'bigint') return `n:${String(id)}`;
  if (Buffer.isBuffer(id)) return `b:${id.toString('hex')}`;
  return `o:${String(id)}`;
}
