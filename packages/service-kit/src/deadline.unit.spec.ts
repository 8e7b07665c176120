import { describe, expect, it } from 'vitest';
import { withDeadline } from './deadline.js';

describe('withDeadline', () => {
  it('aborts an operation that outlasts it, with a TimeoutError', async () => {
    const reason = await withDeadline(10, (signal) => new Promise((resolve) => signal.addEventListener('abort', () => resolve(signal.reason))));
    expect((reason as DOMException).name).toBe('TimeoutError');
  });

  it('never aborts once the operation ended', async () => {
    let seen: AbortSignal | undefined;
    await withDeadline(10, async (signal) => void (seen = signal));
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(seen?.aborted).toBe(false);
  });
});
