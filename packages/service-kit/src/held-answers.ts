/**
 * Answers read from (or written to) the tables, each used until it is `holdMs` old; bounded:
 * when full, the expired entries go, and if none has expired, all of them (at worst a few rows
 * read or written again).
 */
export class HeldAnswers<V> {
  private readonly entries = new Map<string, { readonly value: V; readonly until: number }>();

  constructor(
    private readonly holdMs: number,
    private readonly capacity: number,
    private readonly now: () => number,
  ) {}

  get(key: string): V | undefined {
    const held = this.entries.get(key);
    if (held === undefined) return undefined;
    if (held.until > this.now()) return held.value;
    this.entries.delete(key);
    return undefined;
  }

  set(key: string, value: V): void {
    const now = this.now();
    if (this.entries.size >= this.capacity) {
      for (const [entryKey, entry] of this.entries) if (entry.until <= now) this.entries.delete(entryKey);
      if (this.entries.size >= this.capacity) this.entries.clear();
    }
    this.entries.set(key, { value, until: now + this.holdMs });
  }

  get size(): number {
    return this.entries.size;
  }
}
