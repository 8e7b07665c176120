import type { ComponentName } from './ports.js';

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const SKIP = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'service', 'v']);
const WIDTH = 11;

/**
 * One readable line per log line, prefixed with the component: pino JSON is
 * condensed to `LEVEL message key=value…`; anything else is passed through.
 * `component` may name one copy of a service (`gateway-2`).
 */
export function formatLine(component: ComponentName | string, line: string): string {
  const prefix = `[${component}]`.padEnd(WIDTH + 2);
  if (!line.startsWith('{')) return `${prefix} ${line}`;
  try {
    const entry = JSON.parse(line) as Record<string, unknown>;
    const level = LEVELS[Number(entry.level)] ?? String(entry.level ?? '');
    const fields = Object.entries(entry)
      .filter(([key]) => !SKIP.has(key))
      .map(([key, value]) => `${key}=${typeof value === 'object' ? JSON.stringify(value) : String(value)}`)
      .join(' ');
    return `${prefix} ${level.padEnd(5)} ${String(entry.msg ?? '')}${fields ? ` ${fields}` : ''}`;
  } catch {
    return `${prefix} ${line}`;
  }
}
