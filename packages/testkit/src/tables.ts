import { binPath, pinoReady, startProcess } from './process.js';
import type { LogOptions, StandIn } from './stand-ins.js';

/**
 * The Table service emulator (emulators/tables, SQLite) as a child process on
 * an ephemeral port; in memory unless a data directory is given. Same shape as
 * startAzurite, so tests can run against either.
 */
export async function startTables(options: LogOptions & { dataDir?: string; port?: number; sync?: 'normal' | 'full' } = {}): Promise<StandIn> {
  const args = ['--port', String(options.port ?? 0), '--host', '127.0.0.1'];
  args.push(...(options.dataDir ? ['--data-dir', options.dataDir] : ['--in-memory']));
  if (options.sync) args.push('--sync', options.sync);
  const proc = await startProcess({ name: 'tables', command: binPath('tables-emulator'), args, ready: pinoReady, ...options });
  return { ...proc, port: Number(proc.readyInfo.port), connectionString: String(proc.readyInfo.connectionString) };
}
