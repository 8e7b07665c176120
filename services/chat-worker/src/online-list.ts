import { ONLINE_LIST_LIMIT } from '@parley/contracts';

/**
 * The `state` frame's online list, read at every connect. In a small chat it is read fresh each
 * time (exact: a user who came online a moment ago is in it). Once a hub has so many users online
 * that the list is a bounded sample anyway (half the limit or more), this worker reuses its last
 * read for `holdMs`: at a thousand connects a second the presence shards then see one read per
 * worker per hold instead of one per connect (docs/architecture.md § Presence).
 */
export class OnlineList<T = string> {
  private readonly held = new Map<string, { readonly users: readonly T[]; readonly until: number }>();

  constructor(
    private readonly holdMs = 2_000,
    private readonly now: () => number = Date.now,
  ) {}

  async read(hub: string, load: () => Promise<T[]>): Promise<readonly T[]> {
    const hit = this.held.get(hub);
    if (hit && hit.until > this.now()) return hit.users;
    const users = await load();
    if (users.length >= ONLINE_LIST_LIMIT / 2) this.held.set(hub, { users, until: this.now() + this.holdMs });
    else this.held.delete(hub);
    return users;
  }
}
