import { pino, type Logger } from 'pino';

export type { Logger };

/** pino JSON to stdout; the level comes from LOG_LEVEL (default info). */
export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ name: 'tables-emulator', level });
}

/** A logger that drops everything, for embedding in tests. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
