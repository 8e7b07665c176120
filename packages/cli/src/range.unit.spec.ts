import { describe, expect, it } from 'vitest';
import { CliErrorCodes } from './errors.js';
import { hourBuckets, inRange, parseInstant, parseRange } from './range.js';

const codeOf = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return { code: (error as { code?: string }).code, message: (error as Error).message };
  }
  return undefined;
};

describe('parseInstant', () => {
  it('reads dates and date-times, UTC when no zone is given', () => {
    expect(parseInstant('--from', '2025-01-31').toISOString()).toBe('2025-01-31T00:00:00.000Z');
    expect(parseInstant('--from', '2025-01-31T14:05').toISOString()).toBe('2025-01-31T14:05:00.000Z');
    expect(parseInstant('--from', '2025-01-31T14:05:06.789Z').toISOString()).toBe('2025-01-31T14:05:06.789Z');
    expect(parseInstant('--from', '2025-01-31T14:00:00+02:00').toISOString()).toBe('2025-01-31T12:00:00.000Z');
    expect(parseInstant('--from', '2025-01-31 14:00').toISOString()).toBe('2025-01-31T14:00:00.000Z');
  });

  it.each(['yesterday', '2025-13-01', '2025-02-30', '2025-01-31T25:00', '1738300000', '', undefined])('refuses %j naming the flag', (text) => {
    const error = codeOf(() => parseInstant('--to', text));
    expect(error?.code).toBe(CliErrorCodes.rangeInvalid);
    expect(error?.message).toContain('--to');
  });
});

describe('parseRange', () => {
  it('accepts from < to within 31 days', () => {
    const range = parseRange('2025-01-01', '2025-02-01', false);
    expect(range.to.getTime() - range.from.getTime()).toBe(31 * 86_400_000);
  });

  it('refuses from >= to', () => {
    expect(codeOf(() => parseRange('2025-01-02', '2025-01-01', false))?.message).toMatch(/must be before/);
    expect(codeOf(() => parseRange('2025-01-01', '2025-01-01', false))?.code).toBe(CliErrorCodes.rangeInvalid);
  });

  it('refuses more than 31 days unless forced', () => {
    const error = codeOf(() => parseRange('2025-01-01', '2025-02-01T00:00:01Z', false));
    expect(error?.code).toBe(CliErrorCodes.rangeInvalid);
    expect(error?.message).toMatch(/--force/);
    expect(parseRange('2025-01-01', '2025-06-01', true).from.toISOString()).toBe('2025-01-01T00:00:00.000Z');
  });
});

describe('hourBuckets and inRange', () => {
  it('lists every UTC hour the half-open range touches', () => {
    const range = parseRange('2025-01-01T10:30Z', '2025-01-01T13:00Z', false);
    expect(hourBuckets(range).map((d) => d.toISOString())).toEqual([
      '2025-01-01T10:00:00.000Z',
      '2025-01-01T11:00:00.000Z',
      '2025-01-01T12:00:00.000Z',
    ]);
    expect(inRange(range, new Date('2025-01-01T10:30:00Z'))).toBe(true);
    expect(inRange(range, new Date('2025-01-01T10:29:59.999Z'))).toBe(false);
    expect(inRange(range, new Date('2025-01-01T13:00:00Z'))).toBe(false);
  });
});
