import { EmulatorError } from '../errors.js';

export interface CliOptions {
  readonly config: string;
  readonly port: number;
  readonly host: string;
  readonly dataDir: string | undefined;
}

export const usage = 'usage: servicebus-emulator --config FILE [--port 5672] [--host 127.0.0.1] [--data-dir DIR]';

function invalid(message: string): never {
  throw new EmulatorError('SBEMU_ARGS_INVALID', `${message}\n${usage}`);
}

/** Parses the bin's arguments (`--name value` or `--name=value`). */
export function parseCliArgs(argv: readonly string[]): CliOptions {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('--')) invalid(`unexpected argument "${arg}"`);
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (!['config', 'port', 'host', 'data-dir'].includes(name)) invalid(`unknown option --${name}`);
    if (value === undefined || value === '') invalid(`option --${name} needs a value`);
    values.set(name, value);
  }
  const config = values.get('config');
  if (!config) invalid('option --config is required');
  const portText = values.get('port') ?? '5672';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) invalid(`option --port: "${portText}" is not a port number (0-65535)`);
  return { config, port, host: values.get('host') ?? '127.0.0.1', dataDir: values.get('data-dir') };
}
