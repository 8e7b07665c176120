import { createEmulatorLogger, runEmulator } from '@parley/emulator-lib';
import { parseCliArgs } from './config/cli-args.js';
import { startTablesEmulator } from './index.js';

const log = createEmulatorLogger('tables-emulator');

await runEmulator({
  log,
  unexpectedCode: 'TBLEMU_UNEXPECTED',
  async start() {
    const args = parseCliArgs(process.argv.slice(2));
    const emulator = await startTablesEmulator({
      port: args.port,
      host: args.host,
      sync: args.sync,
      ...(args.dataDir ? { dataDir: args.dataDir } : {}),
      logger: log,
    });
    return { emulator, ready: { port: emulator.port, connectionString: emulator.connectionString, dataDir: args.dataDir ?? null, sync: args.sync } };
  },
});
