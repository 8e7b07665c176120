import { parseCliArgs } from './config/cli-args.js';
import { EmulatorError } from './errors.js';
import { startTablesEmulator } from './index.js';
import { createLogger } from './logger.js';

const log = createLogger();

async function main(): Promise<void> {
  const args = parseCliArgs(process.argv.slice(2));
  const emulator = await startTablesEmulator({
    port: args.port,
    host: args.host,
    sync: args.sync,
    ...(args.dataDir ? { dataDir: args.dataDir } : {}),
    logger: log,
  });
  // Test harnesses wait for exactly this line, so it is written at any LOG_LEVEL.
  const announce = log.isLevelEnabled('info') ? log : log.child({}, { level: 'info' });
  announce.info({ port: emulator.port, connectionString: emulator.connectionString, dataDir: args.dataDir ?? null, sync: args.sync }, 'ready');
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    emulator.close().then(
      () => {
        log.info('stopped');
        process.exitCode = 0;
      },
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exitCode = 1;
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  const code = err instanceof EmulatorError ? err.code : 'TBLEMU_UNEXPECTED';
  log.fatal({ err, code }, err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
});
