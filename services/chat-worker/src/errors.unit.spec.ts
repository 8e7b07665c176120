import { isPermanent } from '@parley/service-kit';
import { describe, expect, it } from 'vitest';
import { WORKER_ERRORS, workerError, WorkerErrorCodes, type WorkerErrorName } from './errors.js';

describe('the chat-worker error table', () => {
  it('gives every failure its own PARLEY_ code', () => {
    const codes = Object.values(WORKER_ERRORS).map((entry) => entry.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) expect(code).toMatch(/^PARLEY_[A-Z_]+$/);
    expect(WorkerErrorCodes).toEqual(Object.fromEntries(Object.entries(WORKER_ERRORS).map(([name, { code }]) => [name, code])));
  });

  it.each(Object.keys(WORKER_ERRORS) as WorkerErrorName[])('%s: a permanent error the consumer dead-letters with its code as the reason', (name) => {
    const error = workerError(name, 'why');
    expect(isPermanent(error)).toBe(true);
    expect(error).toMatchObject({ reason: WorkerErrorCodes[name], message: 'why' });
  });
});
