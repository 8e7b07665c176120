import { appendFileSync } from 'node:fs';

export interface ReportRow {
  kind: 'fault' | 'hostile';
  name: string;
  ok: boolean;
  acked?: number;
  lost?: number;
  duplicates?: number;
}

/** Appends one row for the closing table (see report-setup.ts). */
export function reportRow(row: ReportRow): void {
  const file = process.env.PARLEY_RELIABILITY_REPORT;
  if (file) appendFileSync(file, `${JSON.stringify(row)}\n`);
}
