import type { RuleJson } from '../broker/rules.js';
import type { MessageState } from '../broker/stored-message.js';

/**
 * What the journal holds. Stores are named by their lower-case path
 * ("orders", "chat-events/subscriptions/chat-worker/$deadletterqueue").
 */
export type JournalRecord =
  | {
      t: 'enq';
      /** Queue or topic whose sequence counter issued `seq`. */
      entity: string;
      stores: string[];
      seq: number;
      /** Enqueued time (the scheduled time for a scheduled message). */
      at: number;
      dc: number;
      state: MessageState;
      dls?: string;
      /** Duplicate-detection key, when the entity detects duplicates. */
      dup?: string;
      raw: Buffer;
    }
  | { t: 'del'; store: string; seq: number }
  | { t: 'upd'; store: string; seq: number; dc: number; state: MessageState; raw?: Buffer }
  | { t: 'sst'; store: string; sid: string; state: Buffer | null }
  | { t: 'seq'; entity: string; next: number }
  | { t: 'dup'; entity: string; id: string; at: number }
  /**
   * A subscription's whole rule set after a run-time change. `base` is the
   * Config.json rule set it was changed from: when the file now says
   * otherwise, the file wins.
   */
  | { t: 'rules'; store: string; base: string; rules: RuleJson[] };

export interface Journal {
  /** Appends a record; it is durable once a later `sync()` resolves. */
  append(record: JournalRecord): void;
  /** Resolves when every record appended so far is on disk; undefined in memory mode. */
  sync(): Promise<void> | undefined;
}

/** Memory only: nothing to write, nothing to wait for. */
export const memoryJournal: Journal = {
  append: () => undefined,
  sync: () => undefined,
};
