import type { ProjectionWrite } from './rules/index.js';

type PutDirectChat = Extract<ProjectionWrite, { kind: 'putDirectChat' }>;

/**
 * The direct-chat rows this worker wrote lately, so a conversation's next messages skip the two
 * inserts that would find the rows already there (every direct message decides them). A row
 * never changes once written; it goes only with `parley erase-user` or a rebuild's clearing,
 * which replays every message (replayed events never skip). Held for `holdMs`, so a row erased
 * meanwhile is written again by the next message after that. Bounded: cleared when full.
 */
export class ListedDirectChats {
  private readonly listed = new Map<string, number>();

  constructor(
    private readonly holdMs = 600_000,
    private readonly capacity = 50_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The writes without the direct-chat rows written lately. */
  unwritten(writes: readonly ProjectionWrite[]): ProjectionWrite[] {
    const now = this.now();
    return writes.filter((write) => write.kind !== 'putDirectChat' || (this.listed.get(keyOf(write)) ?? 0) <= now);
  }

  /** The direct-chat rows among `writes` are in the table now. */
  written(writes: readonly ProjectionWrite[]): void {
    const until = this.now() + this.holdMs;
    for (const write of writes) {
      if (write.kind !== 'putDirectChat') continue;
      if (this.listed.size >= this.capacity) this.listed.clear();
      this.listed.set(keyOf(write), until);
    }
  }
}

const keyOf = (write: PutDirectChat) => `${write.hub}\n${write.user}\n${write.peer}`;
