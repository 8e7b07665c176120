// Adds up vitest's per-project "Tests  N passed | M failed" lines into one closing line,
// and repeats the failed tests and errors at the end, where a CI log's tail shows them.
import { readFileSync } from 'node:fs';

const text = readFileSync(process.argv[2], 'utf8').replace(/\x1b\[[0-9;]*m/g, '');
const totals = { passed: 0, failed: 0, skipped: 0 };
const failures = [];
let projects = 0;
for (const line of text.split('\n')) {
  // vitest's failure markers: `×` on a failed test, `FAIL` heading its error, and unhandled errors.
  const failureLine = /(?:^|\s)(?:×|FAIL\s|Unhandled )/.test(line) || /^(?:@\S+:)?\s*\w*Error: /.test(line);
  if (failureLine && failures.length < 60) failures.push(line.trimEnd());
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
if (failures.length > 0) console.log(`\nfailures and errors (first ${failures.length} lines):\n${failures.join('\n')}`);
console.log(`\nvitest over ${projects} projects:`);
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
