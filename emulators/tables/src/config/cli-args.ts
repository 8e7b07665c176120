import { parseLongOptions, portFromText } from '@parley/emulator-lib';
import { EmulatorError } from '../errors.js';
import type { SyncMode } from '../store/db.js';

export interface CliOptions {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string | undefined;
  readonly sync: SyncMode;
  /** HTTPS beside http when asked for (`--https-port`, or `--cert`/`--key`): its port and the user's PEM files, if any. */
  readonly https: { readonly port: number; readonly certFile?: string; readonly keyFile?: string } | undefined;
}

/** The HTTPS port when `--cert`/`--key` are given without `--https-port`: the one after Azurite's table port. */
export const DEFAULT_HTTPS_PORT = 10003;

export const usage =
  'usage: tables-emulator [--port 10002] [--host 127.0.0.1] [--data-dir DIR | --in-memory] [--sync normal|full]\n' +
  '                       [--https-port 10003] [--cert cert.pem --key key.pem]';

function invalid(message: string): never {
  throw new EmulatorError('TBLEMU_ARGS_INVALID', `${message}\n${usage}`);
}

/** Parses the bin's arguments (`--name value` or `--name=value`); without --data-dir the data is in memory. */
export function parseCliArgs(argv: readonly string[]): CliOptions {
  const { values, switches } = parseLongOptions(argv, { valued: ['port', 'host', 'data-dir', 'sync', 'https-port', 'cert', 'key'], switches: ['in-memory'] }, invalid);
  const dataDir = values.get('data-dir');
  if (switches.has('in-memory') && dataDir) invalid('--in-memory and --data-dir exclude each other');
  const portText = values.get('port') ?? '10002';
  const port = portFromText(portText) ?? invalid(`option --port: "${portText}" is not a port number (0-65535)`);
  const sync = values.get('sync') ?? 'normal';
  if (sync !== 'normal' && sync !== 'full') invalid(`option --sync: "${sync}" is not normal or full`);
  const certFile = values.get('cert');
  const keyFile = values.get('key');
  if ((certFile === undefined) !== (keyFile === undefined)) invalid(`option ${certFile === undefined ? '--cert' : '--key'} is needed with the other (--cert and --key go together)`);
  const httpsPortText = values.get('https-port');
  let https: CliOptions['https'];
  if (httpsPortText !== undefined || certFile !== undefined) {
    const httpsPort =
      httpsPortText === undefined ? DEFAULT_HTTPS_PORT : (portFromText(httpsPortText) ?? invalid(`option --https-port: "${httpsPortText}" is not a port number (0-65535)`));
    https = { port: httpsPort, ...(certFile !== undefined && keyFile !== undefined ? { certFile, keyFile } : {}) };
  }
  return { port, host: values.get('host') ?? '127.0.0.1', dataDir, sync, https };
}
