import { Limits } from '@parley/contracts';
import { ConfigError, envReader, MAX_PARTITIONS, readBusConnection, readHttpListen, readLogLevel, readPartitions, type BusConnection } from '@parley/service-kit';

/** Table Storage: a connection string (Azurite, SAS) or an account URL with DefaultAzureCredential. */
export type TablesConnection = { kind: 'connectionString'; connectionString: string } | { kind: 'accountUrl'; accountUrl: string };

export interface WorkerConfig {
  readonly bus: BusConnection;
  readonly tables: TablesConnection;
  /** Partitions of the notifier commands' session ids (must match the notifier's). */
  readonly partitions: number;
  readonly maxConcurrentSessions: number;
  readonly hub: string;
  readonly historyDefaultLimit: number;
  /** The per-user connection cap and how long closed connections' tombstones are kept. */
  readonly presence: { readonly maxConnectionsPerUser: number; readonly tombstoneMs: number };
  readonly listen: { readonly host: string; readonly port: number };
  readonly logLevel: string;
}

export const DEFAULT_OPS_PORT = 7072;

function readTables(env: ReturnType<typeof envReader>): TablesConnection {
  const connectionString = env.optionalString('TABLES_CONNECTION_STRING');
  const accountUrl = env.optionalString('TABLES_ACCOUNT_URL');
  if (connectionString && accountUrl) throw new ConfigError('TABLES_CONNECTION_STRING', 'set either it or TABLES_ACCOUNT_URL, not both');
  if (connectionString) {
    if (!/TableEndpoint=|UseDevelopmentStorage=true|AccountName=/i.test(connectionString)) {
      throw new ConfigError('TABLES_CONNECTION_STRING', 'must be a Table Storage connection string (TableEndpoint=… or UseDevelopmentStorage=true)');
    }
    return { kind: 'connectionString', connectionString };
  }
  if (accountUrl) return { kind: 'accountUrl', accountUrl: env.url('TABLES_ACCOUNT_URL') };
  throw new ConfigError('TABLES_CONNECTION_STRING', 'is required (or TABLES_ACCOUNT_URL for managed identity)');
}

/** Reads and validates the environment once, at start; throws a ConfigError naming the variable. */
export function loadConfig(environment: Record<string, string | undefined>): WorkerConfig {
  const env = envReader(environment);
  const partitions = readPartitions(env);
  return Object.freeze({
    bus: readBusConnection(env),
    tables: readTables(env),
    partitions,
    // One slot per partition by default: a partition without a slot waits until some held
    // session goes idle. A free slot costs nothing: only a few accepts wait at the broker (service-kit AcceptorPool).
    maxConcurrentSessions: env.int('MAX_CONCURRENT_SESSIONS', partitions, { min: 1, max: MAX_PARTITIONS }),
    hub: env.string('HUB', 'chat'),
    historyDefaultLimit: env.int('HISTORY_DEFAULT_LIMIT', Limits.defaultHistoryLimit, { min: 1, max: Limits.maxHistoryLimit }),
    presence: Object.freeze({
      maxConnectionsPerUser: env.int('MAX_CONNECTIONS_PER_USER', 32, { min: 1, max: 10_000 }),
      // Longer than any event can wait on the bus (10 deliveries with back-off, a backlog): a late
      // `chat.connected` must still find its tombstone.
      tombstoneMs: env.int('CONNECTION_TOMBSTONE_HOURS', 24, { min: 1, max: 24 * 30 }) * 3_600_000,
    }),
    listen: Object.freeze(readHttpListen(env, DEFAULT_OPS_PORT)),
    logLevel: readLogLevel(env),
  });
}
