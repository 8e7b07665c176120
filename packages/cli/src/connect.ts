import type { ServiceBusClient } from '@azure/service-bus';
import { createBusClient, type BusConnection, type TablesConnection } from '@parley/service-kit';
import { busTarget, probe, urlTarget, type Target } from './reach.js';
import { openTables, type TableStore } from './tables.js';

/**
 * The heavy half of the CLI (SDKs, service-kit): commands import it only after
 * their command line passed its checks, so a usage error answers at once.
 */
export { loadSettings } from './config.js';

/** Resolve every connection before probing any, so a configuration error (exit 1) wins over an unreachable service (exit 2). */
export async function connectTables(connection: TablesConnection): Promise<{ store: TableStore; target: Target }> {
  const store = openTables(connection);
  const target = urlTarget('Table Storage', store.url);
  await probe(target);
  return { store, target };
}

/** The caller closes the client (docs/style.md §9). */
export async function connectBus(connection: BusConnection): Promise<{ client: ServiceBusClient; target: Target }> {
  const target = busTarget(connection);
  await probe(target);
  return { client: createBusClient(connection), target };
}
