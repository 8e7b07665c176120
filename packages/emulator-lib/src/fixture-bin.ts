import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEmulatorLogger } from './logger.js';
import { EmulatorError } from './errors.js';
import { runEmulator } from './main.js';
import { closeOnce } from './shutdown.js';

/**
 * A bin built on runEmulator around a real HTTP server, for main.int.spec.ts.
 * `--refuse` fails start-up with an EmulatorError, `--crash` with a plain Error,
 * `--fail-close` makes close() fail after the server closed.
 */
const argv = process.argv.slice(2);
const log = createEmulatorLogger('fixture-emulator');

await runEmulator({
  log,
  unexpectedCode: 'FIXTURE_UNEXPECTED',
  async start() {
    if (argv.includes('--refuse')) throw new EmulatorError('FIXTURE_ARGS_INVALID', 'option --port: "x" is not a port number');
    if (argv.includes('--crash')) throw new Error('listen EADDRINUSE');
    const server = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const release = async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (argv.includes('--fail-close')) throw new Error('flush failed');
    };
    return { emulator: { close: closeOnce(release) }, ready: { port: (server.address() as AddressInfo).port } };
  },
});
