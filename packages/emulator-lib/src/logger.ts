import { pino, type Logger } from 'pino';

export type { Logger };

/** pino JSON to stdout under the bin's name; the level comes from LOG_LEVEL (default info). */
export function createEmulatorLogger(name: string, level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ name, level });
}

/** A logger that drops everything, for an emulator embedded in tests. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/**
 * The `ready` line with what a client needs (port, connection string). Test
 * harnesses and `npm start` wait for exactly this line, so it is written at
 * info whatever the log level.
 */
export function announceReady(log: Logger, fields: Record<string, unknown>): void {
  const announce = log.isLevelEnabled('info') ? log : log.child({}, { level: 'info' });
  announce.info(fields, 'ready');
}
