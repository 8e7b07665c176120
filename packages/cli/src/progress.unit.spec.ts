import { describe, expect, it } from 'vitest';
import { createProgress, renderBar } from './progress.js';

const stream = (isTTY: boolean) => {
  const writes: string[] = [];
  return { writes, isTTY, columns: 120, write: (text: string) => writes.push(text) };
};

describe('progress', () => {
  it('renders a bar with a percentage', () => {
    expect(renderBar(1, 4, 8)).toBe('[##------]  25%');
    expect(renderBar(0, 0, 4)).toBe('[####] 100%');
  });

  it('redraws in place on a terminal, throttled, and ends with a newline', () => {
    let now = 0;
    const out = stream(true);
    const progress = createProgress(out, 'replay', 'hours', () => now);
    progress.update(1, 10, 'read 1');
    now = 10;
    progress.update(2, 10, 'read 2'); // throttled
    now = 200;
    progress.update(3, 10, 'read 3');
    progress.update(10, 10, 'read 10'); // the last state always draws
    progress.finish();
    expect(out.writes).toHaveLength(4);
    expect(out.writes.every((w, i) => (i < 3 ? w.startsWith('\r') : w === '\n'))).toBe(true);
    expect(out.writes[2]).toContain('10/10 hours  read 10');
  });

  it('writes plain lines elsewhere, and the final state once', () => {
    let now = 0;
    const out = stream(false);
    const progress = createProgress(out, 'rebuild', 'events', () => now);
    progress.update(1, 3, 'read 1');
    now = 1000;
    progress.update(2, 3, 'read 2');
    progress.update(3, 3, 'read 3');
    progress.finish();
    expect(out.writes).toEqual(['rebuild: 1/3 events, read 1\n', 'rebuild: 3/3 events, read 3\n']);
  });
});
