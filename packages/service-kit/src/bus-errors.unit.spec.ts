import { ServiceBusError } from '@azure/service-bus';
import { describe, expect, it } from 'vitest';
import { classifyBusError, transientBackoffMs } from './bus-errors.js';

describe('classifyBusError', () => {
  it.each([
    ['ServiceTimeout', 'idle'],
    ['SessionCannotBeLocked', 'idle'],
    ['UnauthorizedAccess', 'fatal'],
    ['MessagingEntityNotFound', 'fatal'],
    ['MessagingEntityDisabled', 'fatal'],
    ['ServiceBusy', 'transient'],
    ['ServiceCommunicationProblem', 'transient'],
    ['QuotaExceeded', 'transient'],
    ['GeneralError', 'transient'],
  ] as const)('sorts a ServiceBusError with code %s as %s', (code, kind) => {
    expect(classifyBusError(new ServiceBusError('from the broker', code))).toBe(kind);
  });

  it('treats anything that is not a ServiceBusError as transient (a socket error, a bug in a handler)', () => {
    expect(classifyBusError(new Error('ECONNREFUSED'))).toBe('transient');
    expect(classifyBusError({ code: 'UnauthorizedAccess' })).toBe('transient');
    expect(classifyBusError(undefined)).toBe('transient');
  });
});

describe('transientBackoffMs', () => {
  it('doubles from 0.5 s to a 30 s cap, with the jitter inside ±20 %', () => {
    const middle = () => 0.5;
    expect([1, 2, 3, 4, 7, 20].map((n) => transientBackoffMs(n, middle))).toEqual([500, 1_000, 2_000, 4_000, 30_000, 30_000]);
    expect(transientBackoffMs(1, () => 0)).toBe(400);
    expect(transientBackoffMs(1, () => 1)).toBe(600);
  });
});
