import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made: string[] = [];

/**
 * A fresh temporary directory that does not outlive the test run. Under vitest it is made inside
 * the run's own root (`PARLEY_TEST_TMPDIR`, from vitest.temp-root.ts), which the run removes at
 * its end: a vitest fork is ended from outside, so its exit handlers cannot be relied on.
 * Elsewhere it is removed, files and all, when this process exits.
 */
export function tempDir(prefix: string): string {
  const runRoot = process.env.PARLEY_TEST_TMPDIR;
  if (runRoot) return mkdtempSync(join(runRoot, prefix));
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (made.length === 0) process.once('exit', () => made.splice(0).forEach((path) => rmSync(path, { recursive: true, force: true })));
  made.push(dir);
  return dir;
}
