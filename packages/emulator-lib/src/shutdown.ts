import type { Logger } from 'pino';

export interface Closable {
  close(): Promise<void>;
}

/** Where the signals come from and the exit code goes: the process, or a stand-in in unit tests. */
export interface SignalTarget {
  on(signal: 'SIGTERM' | 'SIGINT', listener: () => void): unknown;
  exitCode?: number | string | null | undefined;
}

export interface StopOnSignalsOptions {
  /** The emulator's close() logs its own `stopped` line (with details only it knows); do not log a second. */
  readonly closeLogsStopped?: boolean;
  readonly target?: SignalTarget;
}

/**
 * SIGTERM or SIGINT closes the emulator once (a second signal while closing is
 * ignored, so an impatient Ctrl-C does not start a second close): `shutting down`,
 * then `stopped` and exit code 0, or `shutdown failed` and exit code 1. The
 * process then ends by itself when close() released everything; nothing here
 * calls process.exit, so a close() that leaks a handle shows as a bin that does
 * not end, not as a clean exit.
 */
export function stopOnSignals(emulator: Closable, log: Logger, options: StopOnSignalsOptions = {}): void {
  const target = options.target ?? process;
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    emulator.close().then(
      () => {
        if (!options.closeLogsStopped) log.info('stopped');
        target.exitCode = 0;
      },
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        target.exitCode = 1;
      },
    );
  };
  target.on('SIGTERM', () => stop('SIGTERM'));
  target.on('SIGINT', () => stop('SIGINT'));
}

/**
 * close() for an emulator: `release` runs on the first call, and every call
 * (also one made while it is still running) gets the same promise, so a
 * caller never sees "closed" before everything is released.
 */
export function closeOnce(release: () => Promise<void>): () => Promise<void> {
  let closing: Promise<void> | undefined;
  // The async wrapper turns a release that throws before its first await into a rejection.
  return () => (closing ??= (async () => release())());
}
