/**
 * The worker's typing throttle: one typing frame per key (user and conversation) per interval,
 * judged by the events' `receivedAt` (the gateways' clocks, as the gateway's own throttle judges
 * them), so a backlog handled in a burst is judged at the pace it was typed. The same event
 * again (a redelivery) gets the same answer; a refused frame does not move the time. In memory:
 * when the user's partition moves to another worker, the first typing frame there passes.
 */
export class TypingIntervals {
  private readonly last = new Map<string, { readonly at: number; readonly eventId: string }>();

  constructor(
    private readonly intervalMs: number,
    private readonly capacity = 50_000,
  ) {}

  take(key: string, eventId: string, atMs: number): boolean {
    const previous = this.last.get(key);
    if (previous !== undefined) {
      if (previous.eventId === eventId) return true;
      if (atMs - previous.at < this.intervalMs) return false;
    }
    if (this.last.size >= this.capacity) sweep(this.last, (entry) => atMs - entry.at >= this.intervalMs, this.capacity);
    this.last.set(key, { at: atMs, eventId });
    return true;
  }

  get size(): number {
    return this.last.size;
  }
}

/**
 * Drops the entries no answer depends on any more; when all are still live, all of them: memory
 * stays bounded, at worst one typing frame more is relayed or one membership read again.
 */
export function sweep<V>(map: Map<string, V>, stale: (value: V) => boolean, capacity: number): void {
  for (const [key, value] of map) if (stale(value)) map.delete(key);
  if (map.size >= capacity) map.clear();
}
