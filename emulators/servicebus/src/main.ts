import { createEmulatorLogger, runEmulator } from '@parley/emulator-lib';
import { parseCliArgs } from './config/cli-args.js';
import { startServiceBusEmulator } from './index.js';

const log = createEmulatorLogger('servicebus-emulator');

await runEmulator({
  log,
  unexpectedCode: 'SBEMU_UNEXPECTED',
  async start() {
    const args = parseCliArgs(process.argv.slice(2));
    const emulator = await startServiceBusEmulator({
      config: args.config,
      port: args.port,
      host: args.host,
      ...(args.dataDir ? { dataDir: args.dataDir } : {}),
      logger: log,
    });
    return { emulator, ready: { port: emulator.port, connectionString: emulator.connectionString, dataDir: args.dataDir ?? null } };
  },
});
