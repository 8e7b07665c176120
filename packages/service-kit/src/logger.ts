import { pino, type Logger, type LoggerOptions } from 'pino';
import { traceLogFields } from './tracing-spans.js';

export type { Logger } from 'pino';

/**
 * pino JSON logs. Every line carries `service`; handlers add `eventId`,
 * `connectionId`, `traceId` so one event can be followed across services. While
 * tracing is on, the mixin adds the active span's `traceId` and `spanId` to every line.
 */
export function createLogger(service: string, level = 'info', options: LoggerOptions = {}): Logger {
  return pino({ level, base: { service }, timestamp: pino.stdTimeFunctions.isoTime, mixin: traceLogFields, ...options });
}
