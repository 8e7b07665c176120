import { isPermanent } from '@parley/service-kit';
import { describe, expect, it } from 'vitest';
import { WORKER_ERRORS, workerError, WorkerErrorCodes, type WorkerErrorName } from './errors.js';

describe('the chat-worker error table', () => {
  it('gives every failure its own PARLEY_ code and a handling', () => {
    const codes = Object.values(WORKER_ERRORS).map((entry) => entry.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const { code, handling } of Object.values(WORKER_ERRORS)) {
      expect(code).toMatch(/^PARLEY_[A-Z_]+$/);
      expect(['dead-letter', 'retry']).toContain(handling);
    }
    expect(WorkerErrorCodes.hubMismatch).toBe('PARLEY_WORKER_HUB_MISMATCH');
  });

  it.each(Object.keys(WORKER_ERRORS) as WorkerErrorName[])('%s: the consumer dead-letters it with its code as the reason', (name) => {
    const error = workerError(name, 'why');
    expect(isPermanent(error)).toBe(WORKER_ERRORS[name].handling === 'dead-letter');
    expect(error).toMatchObject({ reason: WORKER_ERRORS[name].code, message: 'why' });
  });
});
