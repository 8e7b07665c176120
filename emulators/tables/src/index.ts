import type { Server } from 'node:http';
import { closeOnce, listenOn } from '@parley/emulator-lib';
import { DEV_ACCOUNT, DEV_KEY, devAccount } from './auth/account.js';
import { EmulatorError } from './errors.js';
import { createHttpServer, createHttpsServer } from './http/server.js';
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
  /** Serve the same service over HTTPS as well, on its own port (PEM `cert`/`key`; port 0, the default, picks a free one). */
  readonly https?: { readonly cert: string | Buffer; readonly key: string | Buffer; readonly port?: number };
}

export interface TablesEmulator {
  readonly port: number;
  readonly host: string;
  /** An account connection string for the well-known development account. */
  readonly connectionString: string;
  /** With `https`: its port and the connection string Microsoft's SDKs take without `allowInsecureConnection`. */
  readonly httpsPort?: number;
  readonly httpsConnectionString?: string;
  close(): Promise<void>;
}

export function connectionStringFor(host: string, port: number, scheme: 'http' | 'https' = 'http'): string {
  const h = host.includes(':') ? `[${host}]` : host;
  return `DefaultEndpointsProtocol=${scheme};AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};TableEndpoint=${scheme}://${h}:${port}/${DEV_ACCOUNT};`;
}

function listenFailed(host: string, port: number, err: unknown): EmulatorError {
  return new EmulatorError('TBLEMU_LISTEN_FAILED', `cannot listen on ${host}:${port}: ${(err as Error).message}`, { cause: err });
}

function stop(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** Starts the Table service in this process: for tests, benchmarks and the bin. */
export async function startTablesEmulator(options: TablesEmulatorOptions = {}): Promise<TablesEmulator> {
  const log = options.logger ?? silentLogger();
  const host = options.host ?? '127.0.0.1';
  const db = openDatabase({ ...(options.dataDir ? { dataDir: options.dataDir } : {}), ...(options.sync ? { sync: options.sync } : {}) });
  const store = new Store(db);
  const http = { store, account: devAccount, log };
  const server: Server = createHttpServer(http);
  let secure: Server | undefined;
  try {
    // A key that does not match its certificate fails here, before anything listens.
    secure = options.https && createHttpsServer(http, options.https);
  } catch (err) {
    db.close();
    throw new EmulatorError('TBLEMU_TLS_FAILED', `the certificate and key cannot serve TLS: ${(err as Error).message}`, { cause: err });
  }
  let port: number;
  try {
    port = await listenOn(server, host, options.port ?? 0);
  } catch (err) {
    db.close();
    throw listenFailed(host, options.port ?? 0, err);
  }
  let httpsPort: number | undefined;
  if (secure) {
    try {
      httpsPort = await listenOn(secure, host, options.https?.port ?? 0);
    } catch (err) {
      await stop(server);
      db.close();
      throw listenFailed(host, options.https?.port ?? 0, err);
    }
  }
  return {
    port,
    host,
    connectionString: connectionStringFor(host, port),
    ...(httpsPort === undefined ? {} : { httpsPort, httpsConnectionString: connectionStringFor(host, httpsPort, 'https') }),
    close: closeOnce(async () => {
      await Promise.all([stop(server), ...(secure ? [stop(secure)] : [])]);
      db.close();
    }),
  };
}
