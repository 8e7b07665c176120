import { EmulatorError } from './errors.js';
import { announceReady, type Logger } from './logger.js';
import { stopOnSignals, type Closable, type StopOnSignalsOptions } from './shutdown.js';

export interface StartedEmulator<E extends Closable> {
  readonly emulator: E;
  /** The fields of the `ready` line. */
  readonly ready: Record<string, unknown>;
}

export interface RunEmulatorOptions<E extends Closable> {
  readonly log: Logger;
  /** Reads the arguments and starts the emulator; an EmulatorError it throws keeps its own code. */
  readonly start: () => Promise<StartedEmulator<E>>;
  /** The code of the fatal line when start() fails with anything but an EmulatorError. */
  readonly unexpectedCode: string;
  readonly shutdown?: StopOnSignalsOptions;
}

/**
 * A bin's life: start, close on SIGTERM/SIGINT from then on, announce `ready`. A start that
 * fails is one fatal pino line with a code (the EmulatorError's, else
 * `unexpectedCode`) and exit code 1, never an unhandled rejection's stack.
 * Resolves to the running emulator, or undefined when it did not start.
 */
export async function runEmulator<E extends Closable>(options: RunEmulatorOptions<E>): Promise<E | undefined> {
  const { log } = options;
  let started: StartedEmulator<E>;
  try {
    started = await options.start();
  } catch (err) {
    const code = err instanceof EmulatorError ? err.code : options.unexpectedCode;
    log.fatal({ err, code }, err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
    return undefined;
  }
  // Handlers first: a harness may send SIGTERM the moment it reads `ready`, and a
  // signal that arrives before a listener exists kills the process uncleanly.
  stopOnSignals(started.emulator, log, options.shutdown);
  announceReady(log, started.ready);
  return started.emulator;
}
