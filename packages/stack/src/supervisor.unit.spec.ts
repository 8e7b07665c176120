import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ComponentName } from './ports.js';
import { CrashHistory, DEFAULT_RESTART_POLICY, Supervisor, type ComponentExit, type SupervisedStack } from './supervisor.js';

describe('CrashHistory (the restart policy)', () => {
  it('doubles the back-off per failure within the window, capped', () => {
    const history = new CrashHistory({ initialBackoffMs: 500, maxBackoffMs: 1_500, maxFailures: 10, windowMs: 60_000 });
    const delays = [0, 1, 2, 3].map((i) => history.record(i * 1_000));
    expect(delays).toEqual([
      { giveUp: false, delayMs: 500, failures: 1 },
      { giveUp: false, delayMs: 1_000, failures: 2 },
      { giveUp: false, delayMs: 1_500, failures: 3 },
      { giveUp: false, delayMs: 1_500, failures: 4 },
    ]);
  });

  it('gives up at the fifth failure within the window (CrashLoop)', () => {
    const history = new CrashHistory(DEFAULT_RESTART_POLICY);
    for (let i = 0; i < 4; i++) expect(history.record(i * 5_000).giveUp).toBe(false);
    expect(history.record(20_000)).toEqual({ giveUp: true, failures: 5 });
  });

  it('forgets failures older than the window: a rare crash never adds up to a loop', () => {
    const history = new CrashHistory(DEFAULT_RESTART_POLICY);
    for (let i = 0; i < 10; i++) expect(history.record(i * 61_000)).toEqual({ giveUp: false, delayMs: 500, failures: 1 });
  });
});

/** A stack of pure bookkeeping: the supervisor's logic without processes (the e2e spec kills real ones). */
class FakeStack implements SupervisedStack {
  readonly running = new Set<ComponentName>(['notifier']);
  readonly starts: ComponentName[] = [];
  failStarts = false;
  private listener: ((name: ComponentName, exit: ComponentExit, copy: number) => void) | undefined;
  onCrash(listener: (name: ComponentName, exit: ComponentExit, copy: number) => void) {
    this.listener = listener;
  }
  crash(name: ComponentName, exit: ComponentExit) {
    this.running.delete(name);
    this.listener?.(name, exit, 1);
  }
  async start(name: ComponentName) {
    this.starts.push(name);
    if (this.failStarts) throw new Error('notifier exited (1) before it was ready:\nstack trace');
    this.running.add(name);
  }
  isRunning(name: ComponentName) {
    return this.running.has(name);
  }
  hasCopy() {
    return true;
  }
  copies(name: ComponentName) {
    return [{ copy: 1, name }];
  }
}

/** Two copies of the notifier with separate histories; copy 2 may be scaled in. */
class TwoCopyStack implements SupervisedStack {
  readonly running = new Set<number>([1, 2]);
  readonly starts: number[] = [];
  readonly wanted = new Set<number>([1, 2]);
  private listener: ((name: ComponentName, exit: ComponentExit, copy: number) => void) | undefined;
  onCrash(listener: (name: ComponentName, exit: ComponentExit, copy: number) => void) {
    this.listener = listener;
  }
  crash(copy: number) {
    this.running.delete(copy);
    this.listener?.('notifier', { code: null, signal: 'SIGKILL' }, copy);
  }
  async start(_name: ComponentName, copy: number) {
    this.starts.push(copy);
    this.running.add(copy);
  }
  isRunning(_name: ComponentName, copy: number) {
    return this.running.has(copy);
  }
  hasCopy(_name: ComponentName, copy: number) {
    return this.wanted.has(copy);
  }
  copies(name: ComponentName) {
    return [...this.wanted].map((copy) => ({ copy, name: `${name}-${copy}` }));
  }
}

describe('Supervisor', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const setup = () => {
    const stack = new FakeStack();
    const lines: string[] = [];
    const gaveUp: string[] = [];
    const supervisor = new Supervisor(stack, { log: (line) => lines.push(line), onGiveUp: (_name, message) => gaveUp.push(message), now: Date.now });
    return { stack, lines, gaveUp, supervisor };
  };

  it('names the component and how it ended, restarts it after the back-off, and says it is back', async () => {
    const { stack, lines } = setup();
    stack.crash('notifier', { code: null, signal: 'SIGKILL' });
    expect(lines).toEqual(['notifier exited unexpectedly (signal SIGKILL); restarting in 500 ms (failure 1 of 5 within 60 s)']);
    await vi.advanceTimersByTimeAsync(499);
    expect(stack.starts).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(stack.starts).toEqual(['notifier']);
    expect(lines.at(-1)).toBe('notifier is back (restart 1)');
  });

  it('counts a start that fails as a failure, backs off further, and gives up once with the message', async () => {
    const { stack, lines, gaveUp } = setup();
    stack.failStarts = true;
    stack.crash('notifier', { code: 1, signal: null });
    await vi.advanceTimersByTimeAsync(500 + 1_000 + 2_000 + 4_000);
    expect(stack.starts).toHaveLength(4);
    expect(lines.slice(0, 2)).toEqual([
      'notifier exited unexpectedly (exit code 1); restarting in 500 ms (failure 1 of 5 within 60 s)',
      'notifier did not start: notifier exited (1) before it was ready:; restarting in 1000 ms (failure 2 of 5 within 60 s)',
    ]);
    expect(gaveUp).toEqual([
      'notifier keeps failing (CrashLoop): 5 failures within 60 s, the last one: did not start: notifier exited (1) before it was ready:. Stopping Parley.',
    ]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(stack.starts).toHaveLength(4);
  });

  it('leaves alone a component someone else already brought back, and restarts nothing once closed', async () => {
    const { stack, supervisor } = setup();
    stack.crash('notifier', { code: 1, signal: null });
    stack.running.add('notifier');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(stack.starts).toEqual([]);
    stack.crash('notifier', { code: 1, signal: null });
    await supervisor.close();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(stack.starts).toEqual([]);
  });

  it('restarts each copy on its own back-off, and not a copy that was scaled in', async () => {
    const stack = new TwoCopyStack();
    const lines: string[] = [];
    new Supervisor(stack, { log: (line) => lines.push(line), onGiveUp: () => undefined, now: Date.now });
    stack.crash(2);
    await vi.advanceTimersByTimeAsync(500);
    stack.crash(2);
    stack.crash(1);
    expect(lines.slice(-2)).toEqual([
      'notifier-2 exited unexpectedly (signal SIGKILL); restarting in 1000 ms (failure 2 of 5 within 60 s)',
      'notifier-1 exited unexpectedly (signal SIGKILL); restarting in 500 ms (failure 1 of 5 within 60 s)',
    ]);
    stack.wanted.delete(2);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(stack.starts).toEqual([2, 1]);
    expect(lines.at(-1)).toBe('notifier-1 is back (restart 1)');
    stack.crash(2);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(stack.starts).toEqual([2, 1]);
  });
});
