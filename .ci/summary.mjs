// Adds up vitest's per-project "Tests  N passed | M failed" lines into one closing line.
import { readFileSync } from 'node:fs';

const text = readFileSync(process.argv[2], 'utf8').replace(/\x1b\[[0-9;]*m/g, '');
const totals = { passed: 0, failed: 0, skipped: 0 };
let projects = 0;
for (const line of text.split('\n')) {
  // nx prefixes each line with the project name: `@parley/x:  Tests  3 failed | 72 passed (75)`.
  const match = /(?:^|\s)Tests\s+(\d.*)\(\d+\)\s*$/.exec(line);
  if (!match) continue;
  projects++;
  for (const part of match[1].split('|')) {
    const [, count, kind] = /(\d+)\s+(passed|failed|skipped|todo)/.exec(part.trim()) ?? [];
    if (kind === 'passed' || kind === 'failed') totals[kind] += Number(count);
    if (kind === 'skipped' || kind === 'todo') totals.skipped += Number(count);
  }
}
console.log(`\nvitest over ${projects} projects:`);
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
