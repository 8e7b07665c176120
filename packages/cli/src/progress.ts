import type { OutStream } from './io.js';

export interface Progress {
  /** `done` of `total` units (hours, rows); `detail` is appended, e.g. the counters. */
  update(done: number, total: number, detail: string): void;
  /** Leaves the last state on its own line. */
  finish(): void;
}

const BAR_WIDTH = 30;
const TTY_INTERVAL_MS = 100;
const PLAIN_INTERVAL_MS = 5_000;

export function renderBar(done: number, total: number, width = BAR_WIDTH): string {
  const ratio = total > 0 ? Math.min(1, done / total) : 1;
  const filled = Math.round(ratio * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.floor(ratio * 100)).padStart(3)}%`;
}

/**
 * A bar redrawn in place on a terminal; elsewhere (logs, CI) a plain line at
 * most every few seconds, so a long replay still shows it is alive.
 */
export function createProgress(stream: OutStream, label: string, unit: string, now: () => number = Date.now): Progress {
  let last = -Infinity;
  let line = '';
  let drawn = false;
  const tty = stream.isTTY === true;
  return {
    update(done, total, detail) {
      line = tty
        ? `${label} ${renderBar(done, total)} ${done}/${total} ${unit}  ${detail}`
        : `${label}: ${done}/${total} ${unit}, ${detail}`;
      const at = now();
      const due = at - last >= (tty ? TTY_INTERVAL_MS : PLAIN_INTERVAL_MS);
      if (!due && done < total) return;
      last = at;
      if (tty) {
        const columns = stream.columns ?? 100;
        stream.write(`\r${line.slice(0, columns - 1).padEnd(Math.min(columns - 1, line.length))}\x1b[K`);
        drawn = true;
      } else if (done < total) {
        stream.write(`${line}\n`);
      }
    },
    finish() {
      if (tty) {
        if (drawn) stream.write('\n');
      } else if (line) {
        stream.write(`${line}\n`);
      }
    },
  };
}
