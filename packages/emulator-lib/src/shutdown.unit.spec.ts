import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { closeOnce, stopOnSignals, type SignalTarget } from './shutdown.js';
import { recordingLogger } from './testing.js';

/** The process's part in shutdown: signals in, exit code out. */
class SignalSource extends EventEmitter implements SignalTarget {
  exitCode: number | undefined;
}

/** A close() the test finishes when it wants, counting its calls. */
function controlledClose() {
  let finish!: (err?: Error) => void;
  const done = new Promise<void>((resolve, reject) => {
    finish = (err) => (err ? reject(err) : resolve());
  });
  const emulator = { calls: 0, close: () => ((emulator.calls += 1), done) };
  return { emulator, finish, done };
}

describe('stopOnSignals', () => {
  it('on SIGTERM closes the emulator once, logs shutting down then stopped, and sets exit code 0', async () => {
    const target = new SignalSource();
    const { log, lines } = recordingLogger();
    const { emulator, finish, done } = controlledClose();
    stopOnSignals(emulator, log, { target });
    target.emit('SIGTERM');
    target.emit('SIGINT');
    expect(emulator.calls).toBe(1);
    expect(target.exitCode).toBeUndefined();
    finish();
    await done;
    await new Promise((resolve) => setImmediate(resolve));
    expect(target.exitCode).toBe(0);
    expect(lines.map((l) => l.msg)).toEqual(['shutting down', 'stopped']);
    expect(lines[0]?.signal).toBe('SIGTERM');
  });

  it('on a failed close logs shutdown failed with the error and sets exit code 1', async () => {
    const target = new SignalSource();
    const { log, lines } = recordingLogger();
    const { emulator, finish, done } = controlledClose();
    stopOnSignals(emulator, log, { target });
    target.emit('SIGINT');
    finish(new Error('journal flush failed'));
    await done.catch(() => undefined);
    await new Promise((resolve) => setImmediate(resolve));
    expect(target.exitCode).toBe(1);
    expect(lines.map((l) => l.msg)).toEqual(['shutting down', 'shutdown failed']);
    expect(lines[0]?.signal).toBe('SIGINT');
    expect((lines[1]?.err as { message: string }).message).toBe('journal flush failed');
  });

  it('leaves the stopped line to an emulator whose close() logs its own', async () => {
    const target = new SignalSource();
    const { log, lines } = recordingLogger();
    const { emulator, finish, done } = controlledClose();
    stopOnSignals(emulator, log, { target, closeLogsStopped: true });
    target.emit('SIGTERM');
    finish();
    await done;
    await new Promise((resolve) => setImmediate(resolve));
    expect(target.exitCode).toBe(0);
    expect(lines.map((l) => l.msg)).toEqual(['shutting down']);
  });
});

describe('closeOnce', () => {
  it('releases on the first call and gives every caller the same promise, also while releasing', async () => {
    let releases = 0;
    let finish!: () => void;
    const close = closeOnce(() => {
      releases += 1;
      return new Promise<void>((resolve) => (finish = resolve));
    });
    const first = close();
    const second = close();
    expect(second).toBe(first);
    expect(releases).toBe(1);
    let settled = false;
    void second.then(() => (settled = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    finish();
    await first;
    expect(settled).toBe(true);
    expect(close()).toBe(first);
    expect(releases).toBe(1);
  });

  it('turns a release that throws at once into a rejection', async () => {
    const close = closeOnce(() => {
      throw new Error('already broken');
    });
    await expect(close()).rejects.toThrow('already broken');
  });
});
