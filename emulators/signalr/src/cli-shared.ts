import { portFromText } from '@parley/emulator-lib';
import { ConfigError } from './errors.js';

/** What both bins (`signalr-emulator`, `webpubsub-emulator`) check and do the same way. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function checkPort(value: string, flag = '--port'): number {
  const port = portFromText(value);
  if (port === undefined) throw new ConfigError(flag, `"${value}" is not a TCP port (0 picks a free one)`);
  return port;
}

export function checkLogLevel(value: string): string {
  if (!LOG_LEVELS.includes(value)) throw new ConfigError('--log-level', `must be one of ${LOG_LEVELS.join(', ')}`);
  return value;
}
