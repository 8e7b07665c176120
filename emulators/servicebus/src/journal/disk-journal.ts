import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import { open, rename, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Namespace } from '../broker/namespace.js';
import { EmulatorError } from '../errors.js';
import type { Logger } from '../logger.js';
import { decodeJournal, encodeRecord } from './encoding.js';
import type { Journal, JournalRecord } from './records.js';
import { RecoveredState, restoreInto, snapshotOf } from './restore.js';

const fileName = 'journal.log';
/** Compact when the file passes this size and four times the last snapshot. */
const compactFloorBytes = 64 * 1024 * 1024;

interface Waiter {
  readonly upTo: number;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

/**
 * Append-only journal with group commit: records appended while a write and
 * fdatasync are running go out together in the next one. Nothing is
 * confirmed to a client before `sync()` resolves. The file is rewritten as a
 * snapshot of the live state at start-up and whenever it grows too large.
 */
export class DiskJournal implements Journal {
  private pending: Buffer[] = [];
  private appended = 0;
  private durable = 0;
  private waiters: Waiter[] = [];
  private flushing: Promise<void> | undefined;
  private fileBytes = 0;
  private snapshotBytes = 0;
  private failed: Error | undefined;
  private compactRequested = false;
  private compactionsAsked = 0;
  private compactionsDone = 0;

  constructor(
    private readonly dir: string,
    private fh: FileHandle,
    private readonly ns: Namespace,
    private readonly log: Logger,
  ) {}

  append(record: JournalRecord): void {
    this.pending.push(encodeRecord(record));
    this.appended++;
  }

  sync(): Promise<void> | undefined {
    if (this.failed) return Promise.reject(this.failed);
    if (this.durable >= this.appended) return undefined;
    const upTo = this.appended;
    return new Promise((resolve, reject) => {
      this.waiters.push({ upTo, resolve, reject });
      // Started after the current handler, so its other appends join this write.
      if (!this.flushing) queueMicrotask(() => this.kick());
    });
  }

  /** One loop at a time owns the file: appends and compactions never interleave. */
  private kick(): void {
    if (this.flushing || this.failed) return;
    this.flushing = this.loop().finally(() => {
      this.flushing = undefined;
      if ((this.pending.length > 0 || this.compactRequested) && !this.failed) this.kick();
    });
  }

  private async loop(): Promise<void> {
    try {
      while (this.pending.length > 0 || this.compactRequested) {
        if (this.compactRequested || this.fileBytes > Math.max(compactFloorBytes, 4 * this.snapshotBytes)) {
          this.compactRequested = false;
          await this.rewrite();
          continue;
        }
        const batch = this.pending;
        const upTo = this.appended;
        this.pending = [];
        const { bytesWritten } = await this.fh.writev(batch);
        await this.fh.datasync();
        this.fileBytes += bytesWritten;
        this.settle(upTo);
      }
    } catch (err) {
      this.failed = err instanceof Error ? err : new Error(String(err));
      this.log.error({ err }, 'journal write failed; no further message is confirmed');
      for (const w of this.waiters) w.reject(this.failed);
      this.waiters = [];
    }
  }

  private settle(upTo: number): void {
    this.durable = upTo;
    const still: Waiter[] = [];
    for (const w of this.waiters) {
      if (w.upTo <= upTo) w.resolve();
      else still.push(w);
    }
    this.waiters = still;
  }

  /** Rewrites the file as a snapshot of the live state, after any write in progress. */
  async compact(): Promise<void> {
    const ticket = ++this.compactionsAsked;
    this.compactRequested = true;
    while (this.compactionsDone < ticket && !this.failed) {
      if (this.flushing) await this.flushing;
      else this.kick();
    }
    if (this.failed) throw this.failed;
  }

  /** The snapshot covers every record appended so far; runs inside the loop only. */
  private async rewrite(): Promise<void> {
    const upTo = this.appended;
    const ticket = this.compactionsAsked;
    const chunks = [...snapshotOf(this.ns)].map(encodeRecord);
    this.pending = [];
    const path = join(this.dir, fileName);
    const tmp = `${path}.tmp`;
    const out = await open(tmp, 'w');
    try {
      await out.writev(chunks);
      await out.sync();
    } finally {
      await out.close();
    }
    await rename(tmp, path);
    await syncDir(this.dir);
    await this.fh.close();
    this.fh = await open(path, 'a');
    this.snapshotBytes = chunks.reduce((n, c) => n + c.length, 0);
    this.fileBytes = this.snapshotBytes;
    this.compactionsDone = ticket;
    this.settle(upTo);
  }

  /** Waits for everything appended to be on disk, then closes the file. */
  async close(): Promise<void> {
    while (this.pending.length > 0 || this.flushing) {
      if (!this.flushing) this.kick();
      await this.flushing;
      if (this.failed) break;
    }
    await this.fh.close().catch(() => undefined);
  }
}

async function syncDir(dir: string): Promise<void> {
  const d = await open(dir, 'r');
  try {
    await d.sync();
  } catch {
    // Some file systems refuse fsync on a directory; the rename is still atomic.
  } finally {
    await d.close();
  }
}

/** Recovers the journal in `dir` into the namespace and opens it for appends (handed to `use` first). */
export async function openJournal(dir: string, ns: Namespace, log: Logger, use: (journal: DiskJournal) => void): Promise<DiskJournal> {
  const path = join(dir, fileName);
  try {
    mkdirSync(dir, { recursive: true });
    const state = new RecoveredState();
    if (existsSync(path)) {
      const data = readFileSync(path);
      const { records, validLength } = decodeJournal(data);
      if (validLength < data.length) log.warn({ dropped: data.length - validLength }, 'journal ends in a torn record; it is dropped');
      for (const r of records) state.apply(r);
    }
    const journal = new DiskJournal(dir, await open(path, 'a'), ns, log);
    // In place before anything is restored, so every later change is journaled.
    use(journal);
    const restored = restoreInto(ns, state, log);
    await journal.compact();
    log.info({ dataDir: dir, restored }, 'journal recovered');
    return journal;
  } catch (err) {
    if (err instanceof EmulatorError) throw err;
    throw new EmulatorError('SBEMU_JOURNAL_IO', `cannot use data directory ${dir}: ${(err as Error).message}`, { cause: err });
  }
}
