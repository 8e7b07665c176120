import { HeldAnswers } from '@parley/service-kit';

/**
 * Display names of the users whose sessions this worker handles, so a message or a presence
 * change costs no read for the sender's name. A user's events (their `chat.profile` included)
 * pass through the one worker holding their session, in order, so this worker hears of a new
 * name before any later event of theirs. A name is held for `holdMs` only: after the session
 * moved to another worker and back, a name changed meanwhile is read again from the table
 * within that time.
 */
export class UserNames {
  /** Boxed so that "this user has no name" is held too, and tells apart from a miss. */
  private readonly held: HeldAnswers<{ readonly name: string | undefined }>;

  constructor(holdMs = 60_000, capacity = 50_000, now: () => number = Date.now) {
    this.held = new HeldAnswers(holdMs, capacity, now);
  }

  /** The user's name (undefined: none), read with `load` when not held. */
  async nameOf(hub: string, user: string, load: () => Promise<string | undefined>): Promise<string | undefined> {
    const hit = this.held.get(`${hub}\n${user}`);
    if (hit !== undefined) return hit.name;
    const name = await load();
    this.remember(hub, user, name);
    return name;
  }

  remember(hub: string, user: string, name: string | undefined): void {
    this.held.set(`${hub}\n${user}`, { name });
  }
}
