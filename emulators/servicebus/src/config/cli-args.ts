import { parseLongOptions, portFromText } from '@parley/emulator-lib';
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
  const { values } = parseLongOptions(argv, { valued: ['config', 'port', 'host', 'data-dir'] }, invalid);
  const config = values.get('config');
  if (!config) invalid('option --config is required');
  const portText = values.get('port') ?? '5672';
  const port = portFromText(portText) ?? invalid(`option --port: "${portText}" is not a port number (0-65535)`);
  return { config, port, host: values.get('host') ?? '127.0.0.1', dataDir: values.get('data-dir') };
}
