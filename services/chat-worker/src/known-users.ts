/**
 * Users known to have connected, remembered by this process. Safe to cache one way only: the
 * worker never deletes a presence row, so a known user stays known (a rebuild clears and
 * restores them, and replayed events never use this cache). Bounded: cleared when full.
 */
export class KnownUsers {
  private readonly known = new Set<string>();

  constructor(private readonly capacity = 50_000) {}

  has(hub: string, user: string): boolean {
    return this.known.has(`${hub}\n${user}`);
  }

  add(hub: string, user: string): void {
    if (this.known.size >= this.capacity) this.known.clear();
    this.known.add(`${hub}\n${user}`);
  }
}
