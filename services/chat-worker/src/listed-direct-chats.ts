import { HeldAnswers } from '@parley/service-kit';
import type { ProjectionWrite } from './rules/index.js';

type PutDirectChat = Extract<ProjectionWrite, { kind: 'putDirectChat' }>;

/**
 * The direct-chat rows this worker wrote lately, so a conversation's next messages skip the two
 * inserts that would find the rows already there (every direct message decides them). A row
 * never changes once written; it goes only with `parley erase-user` or a rebuild's clearing,
 * which replays every message (replayed events never skip). Held for `holdMs`, so a row erased
 * meanwhile is written again by the next message after that. Bounded (HeldAnswers).
 */
export class ListedDirectChats {
  private readonly listed: HeldAnswers<true>;

  constructor(holdMs = 600_000, capacity = 50_000, now: () => number = Date.now) {
    this.listed = new HeldAnswers(holdMs, capacity, now);
  }

  /** The writes without the direct-chat rows written lately. */
  unwritten(writes: readonly ProjectionWrite[]): ProjectionWrite[] {
    return writes.filter((write) => write.kind !== 'putDirectChat' || this.listed.get(keyOf(write)) === undefined);
  }

  /** The direct-chat rows among `writes` are in the table now. */
  written(writes: readonly ProjectionWrite[]): void {
    for (const write of writes) if (write.kind === 'putDirectChat') this.listed.set(keyOf(write), true);
  }
}

const keyOf = (write: PutDirectChat) => `${write.hub}\n${write.user}\n${write.peer}`;
