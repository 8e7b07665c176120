import { CliError, CliErrorCodes } from './errors.js';

export interface TimeRange {
  /** Inclusive. */
  readonly from: Date;
  /** Exclusive, so that consecutive ranges neither overlap nor leave gaps. */
  readonly to: Date;
}

export const MAX_RANGE_DAYS = 31;
const HOUR_MS = 3_600_000;

// A date, or a date and time; seconds, fractions and the zone are optional.
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/** ISO 8601 date or date-time; a time without a zone is UTC (an operator's laptop zone must not matter). */
export function parseInstant(flag: string, text: string | undefined): Date {
  if (text === undefined || text.trim() === '') throw new CliError(CliErrorCodes.rangeInvalid, `${flag} is required (an ISO 8601 time such as 2025-01-31T14:00Z)`);
  const match = ISO.exec(text.trim());
  const invalid = () => new CliError(CliErrorCodes.rangeInvalid, `${flag} "${text}" is not an ISO 8601 time (e.g. 2025-01-31 or 2025-01-31T14:00:00Z)`);
  if (!match) throw invalid();
  const [, year, month, day, hour, minute, second] = match;
  // Reject what Date would silently roll over (2025-02-30, 25:00).
  if (Number(month) < 1 || Number(month) > 12 || Number(day) < 1 || Number(day) > daysIn(Number(year), Number(month))) throw invalid();
  if (hour !== undefined && (Number(hour) > 23 || Number(minute) > 59 || Number(second ?? 0) > 59)) throw invalid();
  let normalized = text.trim().replace(' ', 'T');
  if (hour === undefined) normalized = `${normalized.slice(0, 10)}T00:00:00${normalized.slice(10)}`;
  if (match[7] === undefined) normalized += 'Z';
  const date = new Date(normalized);
  if (Number.isNaN(date.getTime())) throw invalid();
  return date;
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

export function parseRange(fromText: string | undefined, toText: string | undefined, force: boolean, maxDays = MAX_RANGE_DAYS): TimeRange {
  const from = parseInstant('--from', fromText);
  const to = parseInstant('--to', toText);
  if (from.getTime() >= to.getTime()) {
    throw new CliError(CliErrorCodes.rangeInvalid, `--from ${from.toISOString()} must be before --to ${to.toISOString()}`);
  }
  const days = (to.getTime() - from.getTime()) / (24 * HOUR_MS);
  if (days > maxDays && !force) {
    throw new CliError(CliErrorCodes.rangeInvalid, `the range spans ${days.toFixed(1)} days, more than ${maxDays}; pass --force to replay it anyway`);
  }
  return { from, to };
}

export function inRange(range: TimeRange, at: Date): boolean {
  const ms = at.getTime();
  return ms >= range.from.getTime() && ms < range.to.getTime();
}

/** The start of every UTC hour that overlaps the range: the event log's partitions to read, in order. */
export function hourBuckets(range: TimeRange): Date[] {
  const buckets: Date[] = [];
  const first = Math.floor(range.from.getTime() / HOUR_MS) * HOUR_MS;
  for (let ms = first; ms < range.to.getTime(); ms += HOUR_MS) buckets.push(new Date(ms));
  return buckets;
}
