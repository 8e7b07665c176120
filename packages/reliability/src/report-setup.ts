import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReportRow } from './report.js';

/** Collects the rows every spec file wrote and prints the suite's closing table. */
export default async function setup() {
  const directory = await mkdtemp(join(tmpdir(), 'parley-reliability-'));
  const file = join(directory, 'rows.jsonl');
  process.env.PARLEY_RELIABILITY_REPORT = file;
  return async () => {
    const text = await readFile(file, 'utf8').catch(() => '');
    const rows = text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as ReportRow);
    const faults = rows.filter((row) => row.kind === 'fault');
    const hostile = rows.filter((row) => row.kind === 'hostile');
    const lines = [
      '',
      'Parley reliability and security report',
      '| fault (kill -9, restart) | survived | acked messages | lost | duplicates shown |',
      '| --- | --- | ---: | ---: | ---: |',
      ...faults.map((row) => `| ${row.name} | ${row.ok ? 'yes' : 'NO'} | ${row.acked ?? 0} | ${row.lost ?? 0} | ${row.duplicates ?? 0} |`),
      '',
      '| hostile input | refused as expected |',
      '| --- | --- |',
      ...hostile.map((row) => `| ${row.name} | ${row.ok ? 'yes' : 'NO'} |`),
      '',
      `faults injected ${faults.length}, survived ${faults.filter((r) => r.ok).length}; ` +
        `messages lost ${faults.reduce((sum, r) => sum + (r.lost ?? 0), 0)}; ` +
        `duplicates shown ${faults.reduce((sum, r) => sum + (r.duplicates ?? 0), 0)}; ` +
        `hostile cases tried ${hostile.length}, refused ${hostile.filter((r) => r.ok).length}`,
      '',
    ];
    console.log(lines.join('\n'));
    await rm(directory, { recursive: true, force: true });
  };
}
