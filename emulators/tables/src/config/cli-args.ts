import { EmulatorError } from '../errors.js';
import type { SyncMode } from '../store/db.js';

export interface CliOptions {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string | undefined;
  readonly sync: SyncMode;
}

export const usage = 'usage: tables-emulator [--port 10002] [--host 127.0.0.1] [--data-dir DIR | --in-memory] [--sync normal|full]';

function invalid(message: string): never {
  throw new EmulatorError('TBLEMU_ARGS_INVALID', `${message}\n${usage}`);
}

const valued = ['port', 'host', 'data-dir', 'sync'];

/** Parses the bin's arguments (`--name value` or `--name=value`); without --data-dir the data is in memory. */
export function parseCliArgs(argv: readonly string[]): CliOptions {
  const values = new Map<string, string>();
  let inMemory = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('--')) invalid(`unexpected argument "${arg}"`);
    if (arg === '--in-memory') {
      inMemory = true;
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    if (!valued.includes(name)) invalid(`unknown option --${name}`);
    const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || value === '') invalid(`option --${name} needs a value`);
    values.set(name, value);
  }
  const dataDir = values.get('data-dir');
  if (inMemory && dataDir) invalid('--in-memory and --data-dir exclude each other');
  const portText = values.get('port') ?? '10002';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) invalid(`option --port: "${portText}" is not a port number (0-65535)`);
  const sync = values.get('sync') ?? 'normal';
  if (sync !== 'normal' && sync !== 'full') invalid(`option --sync: "${sync}" is not normal or full`);
  return { port, host: values.get('host') ?? '127.0.0.1', dataDir, sync };
}
