/**
 * Display names of the users whose sessions this worker handles, so a message or a presence
 * change costs no read for the sender's name. A user's events (their `chat.profile` included)
 * pass through the one worker holding their session, in order, so this worker hears of a new
 * name before any later event of theirs. A name is held for `holdMs` only: after the session
 * moved to another worker and back, a name changed meanwhile is read again from the table
 * within that time. Bounded: cleared when full.
 */
export class UserNames {
  private readonly held = new Map<string, { readonly name: string | undefined; readonly until: number }>();

  constructor(
    private readonly holdMs = 60_000,
    private readonly capacity = 50_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The user's name (undefined: none), read with `load` when not held. */
  async nameOf(hub: string, user: string, load: () => Promise<string | undefined>): Promise<string | undefined> {
    const hit = this.held.get(`${hub}\n${user}`);
    if (hit && hit.until > this.now()) return hit.name;
    const name = await load();
    this.remember(hub, user, name);
    return name;
  }

  remember(hub: string, user: string, name: string | undefined): void {
    if (this.held.size >= this.capacity) this.held.clear();
    this.held.set(`${hub}\n${user}`, { name, until: this.now() + this.holdMs });
  }
}
