import { appendFileSync } from 'node:fs';
import type { LossCounts } from './loss-ledger.js';

export interface FaultRow extends LossCounts {
  kind: 'fault';
  /** `component (dialect)`. */
  name: string;
  /** Ready again and a message sent after the restart was shown live and stored. */
  survived: boolean;
  /** From the kill until the readiness check answered. */
  readyAfterMs: number;
  /** Anything the reader must know about this row (e.g. Azurite's save window). */
  note?: string;
}

export interface HostileRow {
  kind: 'hostile';
  name: string;
  ok: boolean;
  /** What was asserted: the exact refusal, and how "nothing stored or delivered" was checked. */
  asserted: string;
  /** The WebSocket service dialect the stack spoke. */
  dialect: string;
}

export interface FigureRow {
  kind: 'figure';
  name: string;
  value: string;
}

export type ReportRow = FaultRow | HostileRow | FigureRow;

/** Appends one row for the closing table (see report-setup.ts). */
export function reportRow(row: ReportRow): void {
  const file = process.env.PARLEY_RELIABILITY_REPORT;
  if (file) appendFileSync(file, `${JSON.stringify(row)}\n`);
}
