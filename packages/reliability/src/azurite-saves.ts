import { watch, type FSWatcher } from 'node:fs';

/** Azurite's table metadata file: LokiJS writes `<name>~` and renames it over this on each autosave. */
const DB_FILE = '__azurite_db_table__.json';

/**
 * Watches Azurite's data directory for its saves. Azurite keeps tables in
 * LokiJS and writes them to disk every 5 s (`autosaveInterval: 5000`), so a
 * kill -9 loses what was acked since the last save; the fault suite kills it
 * right after a save and reports the window measured here (issue 23).
 */
export class AzuriteSaves {
  private readonly watcher: FSWatcher;
  private readonly saves: number[] = [];
  private readonly waiters = new Set<(at: number) => void>();

  constructor(directory: string) {
    this.watcher = watch(directory, (event, file) => {
      if (event !== 'rename' || file !== DB_FILE) return;
      const at = Date.now();
      this.saves.push(at);
      for (const waiter of this.waiters) waiter(at);
      this.waiters.clear();
    });
  }

  /** Resolves when the next save lands on disk, with its time. */
  next(timeoutMs = 15_000): Promise<number> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no Azurite save within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.add((at) => {
        clearTimeout(timer);
        resolve(at);
      });
    });
  }

  /** Measured time between consecutive saves: how much acked data a kill -9 at a random moment can lose. */
  windowMs(): number | undefined {
    // The median: a quiet spell (LokiJS saves only when something changed) stretches single gaps.
    const gaps = this.saves.slice(1).map((at, i) => at - this.saves[i]!).sort((a, b) => a - b);
    return gaps.length === 0 ? undefined : gaps[Math.floor(gaps.length / 2)];
  }

  close(): void {
    this.watcher.close();
  }
}
