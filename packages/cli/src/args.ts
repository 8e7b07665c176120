import { parseArgs, type ParseArgsConfig } from 'node:util';
import { usageError } from './errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Flags every command that talks to a service accepts. */
export const CONNECTION_OPTIONS = {
  servicebus: { type: 'string' },
  tables: { type: 'string' },
  signalr: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

/** `--json`: every command that prints data prints it as one JSON document (or one per line where it says so). */
export const JSON_OPTION = {
  json: { type: 'boolean', default: false },
} as const satisfies Options;

/** One JSON document on its own line: what `--json` prints. */
export const jsonLine = (value: unknown) => `${JSON.stringify(value)}\n`;

/** util.parseArgs, strict, with its TypeErrors turned into usage errors naming the command. */
export function parseFlags<O extends Options>(command: string, args: string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw usageError(`${command}: ${message.replace(/\. To specify a positional argument.*$/s, '')} (see parley ${command} --help)`);
  }
}

export function parseMax(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw usageError(`--max must be a positive integer, got "${text}"`);
  return value;
}
