import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * vitest globalSetup of every project: one temporary root per test run, removed at the end of
 * the run. testkit's tempDir() creates its directories under it (the forks inherit the variable),
 * because a vitest fork is ended from outside and its own exit handlers do not run.
 */
export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), 'parley-test-run-'));
  process.env.PARLEY_TEST_TMPDIR = root;
  return () => rmSync(root, { recursive: true, force: true });
}
