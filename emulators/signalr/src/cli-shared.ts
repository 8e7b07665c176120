import type { Logger } from 'pino';
import { ConfigError } from './errors.js';

/** What both bins (`signalr-emulator`, `webpubsub-emulator`) check and do the same way. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function checkPort(value: string, flag = '--port'): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new ConfigError(flag, `"${value}" is not a TCP port (0 picks a free one)`);
  return port;
}

export function checkLogLevel(value: string): string {
  if (!LOG_LEVELS.includes(value)) throw new ConfigError('--log-level', `must be one of ${LOG_LEVELS.join(', ')}`);
  return value;
}

/** SIGTERM / SIGINT close the emulator (every client closed, its last events sent); exit code 0, or 1 when that failed. */
export function stopOnSignals(emulator: { close(): Promise<void> }, logger: Logger): void {
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    emulator.close().then(
      () => (process.exitCode = 0),
      (error: unknown) => {
        logger.error({ err: (error as Error).message }, 'shutdown failed');
        process.exitCode = 1;
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
