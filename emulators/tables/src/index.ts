import type { Server } from 'node:http';
import { closeOnce, listenOn } from '@parley/emulator-lib';
import { DEV_ACCOUNT, DEV_KEY, devAccount } from './auth/account.js';
import { EmulatorError } from './errors.js';
import { createHttpServer } from './http/server.js';
import { silentLogger, type Logger } from './logger.js';
import { openDatabase, type SyncMode } from './store/db.js';
import { Store } from './store/store.js';

export { EmulatorError, ServiceError } from './errors.js';
export { DEV_ACCOUNT, DEV_KEY } from './auth/account.js';
export type { SyncMode } from './store/db.js';

export interface TablesEmulatorOptions {
  /** 0 picks a free port; the bin defaults to 10002 as Azurite does. */
  readonly port?: number;
  readonly host?: string;
  /** Keep the data in `DIR/tables.sqlite`; in memory when absent. */
  readonly dataDir?: string;
  /** WAL sync mode (default normal: survives a killed process; full: also an OS crash). */
  readonly sync?: SyncMode;
  readonly logger?: Logger;
}

export interface TablesEmulator {
  readonly port: number;
  readonly host: string;
  /** An account connection string for the well-known development account. */
  readonly connectionString: string;
  close(): Promise<void>;
}

export function connectionStringFor(host: string, port: number): string {
  const h = host.includes(':') ? `[${host}]` : host;
  return `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};TableEndpoint=http://${h}:${port}/${DEV_ACCOUNT};`;
}

/** Starts the Table service in this process: for tests, benchmarks and the bin. */
export async function startTablesEmulator(options: TablesEmulatorOptions = {}): Promise<TablesEmulator> {
  const log = options.logger ?? silentLogger();
  const host = options.host ?? '127.0.0.1';
  const db = openDatabase({ ...(options.dataDir ? { dataDir: options.dataDir } : {}), ...(options.sync ? { sync: options.sync } : {}) });
  const store = new Store(db);
  const server: Server = createHttpServer({ store, account: devAccount, log });
  let port: number;
  try {
    port = await listenOn(server, host, options.port ?? 0);
  } catch (err) {
    db.close();
    throw new EmulatorError('TBLEMU_LISTEN_FAILED', `cannot listen on ${host}:${options.port ?? 0}: ${(err as Error).message}`, { cause: err });
  }
  return {
    port,
    host,
    connectionString: connectionStringFor(host, port),
    close: closeOnce(async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      db.close();
    }),
  };
}
