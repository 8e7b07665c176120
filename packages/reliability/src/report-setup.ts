import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FaultRow, FigureRow, HostileRow, ReportRow } from './report.js';

/** The closing table, from the rows every spec file wrote. */
export function renderReport(rows: readonly ReportRow[]): string {
  const faults = rows.filter((row): row is FaultRow => row.kind === 'fault');
  const hostile = rows.filter((row): row is HostileRow => row.kind === 'hostile');
  const figures = rows.filter((row): row is FigureRow => row.kind === 'figure');
  const sum = (key: 'missingFromHistory' | 'missedLive' | 'duplicates' | 'refusedNotSenderFault') => faults.reduce((total, row) => total + row[key], 0);
  // Each case once, with the dialects it ran in; it holds only if it held in every one.
  const byName = new Map<string, { asserted: string; ok: boolean; dialects: string[] }>();
  for (const row of hostile) {
    const entry = byName.get(row.name) ?? { asserted: row.asserted, ok: true, dialects: [] };
    entry.ok &&= row.ok;
    entry.dialects.push(`${row.dialect}${row.ok ? '' : ' FAILED'}`);
    byName.set(row.name, entry);
  }
  const distinct = [...byName].map(([name, entry]) => ({ name, ...entry }));
  return [
    '',
    'Parley reliability and security report',
    '| fault (kill -9, restart) | survived | ready after | acked | missing from history | missed live | duplicates | refused (not sender) | redeliveries (same id) | note |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    ...faults.map(
      (r) =>
        `| ${r.name} | ${r.survived ? 'yes' : 'NO'} | ${r.readyAfterMs} ms | ${r.acked} | ${r.missingFromHistory} | ${r.missedLive} | ${r.duplicates} | ${r.refusedNotSenderFault} | ${r.redeliveries} | ${r.note ?? ''} |`,
    ),
    '',
    ...figures.map((row) => `- ${row.name}: ${row.value}`),
    '',
    '| hostile input | refused as expected | dialects | asserted (refusal; nothing stored or delivered, by a marker on the same path) |',
    '| --- | --- | --- | --- |',
    ...distinct.map((row) => `| ${row.name} | ${row.ok ? 'yes' : 'NO'} | ${row.dialects.join(', ')} | ${row.asserted} |`),
    '',
    `faults injected ${faults.length}, survived ${faults.filter((r) => r.survived).length}; ` +
      `missing from history ${sum('missingFromHistory')}, missed live ${sum('missedLive')}, duplicates ${sum('duplicates')}, ` +
      `refused not by the sender's fault ${sum('refusedNotSenderFault')}`,
    `${distinct.filter((row) => row.ok).length} distinct hostile cases`,
    '',
  ].join('\n');
}

/** Collects the rows every spec file wrote and prints the suite's closing table. */
export default async function setup() {
  const directory = await mkdtemp(join(tmpdir(), 'parley-reliability-'));
  const file = join(directory, 'rows.jsonl');
  process.env.PARLEY_RELIABILITY_REPORT = file;
  return async () => {
    const text = await readFile(file, 'utf8').catch(() => '');
    const rows = text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as ReportRow);
    console.log(renderReport(rows));
    await rm(directory, { recursive: true, force: true });
  };
}
