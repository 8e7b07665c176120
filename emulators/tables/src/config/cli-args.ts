import { parseLongOptions, portFromText } from '@parley/emulator-lib';
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

/** Parses the bin's arguments (`--name value` or `--name=value`); without --data-dir the data is in memory. */
export function parseCliArgs(argv: readonly string[]): CliOptions {
  const { values, switches } = parseLongOptions(argv, { valued: ['port', 'host', 'data-dir', 'sync'], switches: ['in-memory'] }, invalid);
  const dataDir = values.get('data-dir');
  if (switches.has('in-memory') && dataDir) invalid('--in-memory and --data-dir exclude each other');
  const portText = values.get('port') ?? '10002';
  const port = portFromText(portText) ?? invalid(`option --port: "${portText}" is not a port number (0-65535)`);
  const sync = values.get('sync') ?? 'normal';
  if (sync !== 'normal' && sync !== 'full') invalid(`option --sync: "${sync}" is not normal or full`);
  return { port, host: values.get('host') ?? '127.0.0.1', dataDir, sync };
}
