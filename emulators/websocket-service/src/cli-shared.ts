import { portFromText, runEmulator, type Closable, type StartedEmulator } from '@parley/emulator-lib';
import type { Logger } from 'pino';
import { ConfigError, ErrorCodes } from './errors.js';

/** What both bins (`signalr-emulator`, `webpubsub-emulator`) check and do the same way. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** The options both bins take, for node:util parseArgs; each adds its own and names its default port. */
export function sharedOptions(defaultPort: string) {
  return {
    port: { type: 'string', default: defaultPort },
    host: { type: 'string', default: '127.0.0.1' },
    config: { type: 'string' },
    'log-level': { type: 'string', default: process.env.LOG_LEVEL ?? 'info' },
    help: { type: 'boolean', default: false },
  } as const;
}

export function checkPort(value: string, flag = '--port'): number {
  const port = portFromText(value);
  if (port === undefined) throw new ConfigError(flag, `"${value}" is not a TCP port (0 picks a free one)`);
  return port;
}

export function checkLogLevel(value: string): string {
  if (!LOG_LEVELS.includes(value)) throw new ConfigError('--log-level', `must be one of ${LOG_LEVELS.join(', ')}`);
  return value;
}

/**
 * The bin's argument and config checks, before anything listens: `read` returns what they
 * established, or undefined when only the usage was asked for (then it is printed). A failed
 * check is one fatal line with its code and the usage, and exit code 2 (a bad configuration,
 * as for the services); undefined then too.
 */
export function readStartup<T>(usage: string, bootLogger: Logger, read: () => T | undefined): T | undefined {
  try {
    const result = read();
    if (result === undefined) process.stdout.write(`${usage}\n`);
    return result;
  } catch (error) {
    const code = error instanceof ConfigError ? error.code : ErrorCodes.configInvalid;
    bootLogger.fatal({ code }, `${(error as Error).message}\n${usage}`);
    process.exitCode = 2;
    return undefined;
  }
}

/**
 * The emulators' shared start (ready line, signal handling, coded fatal line) as both bins
 * use it: a start that fails for a reason without a code is SIGNALR_UNEXPECTED, and close()
 * logs its own `stopped` line (with the port), so the shared shutdown does not add one.
 */
export function runSignalRBin<E extends Closable>(logger: Logger, start: () => Promise<StartedEmulator<E>>): Promise<E | undefined> {
  return runEmulator({ log: logger, unexpectedCode: ErrorCodes.unexpected, shutdown: { closeLogsStopped: true }, start });
}
