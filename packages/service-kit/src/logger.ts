import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/**
 * pino JSON logs. Every line carries `service`; handlers add `eventId`,
 * `connectionId`, `traceId` so one event can be followed across services.
 */
export function createLogger(service: string, level = 'info', options: LoggerOptions = {}): Logger {
  return pino({ level, base: { service }, timestamp: pino.stdTimeFunctions.isoTime, ...options });
}
