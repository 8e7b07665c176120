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
    listen: Object.freeze(readHttpListen(env, DEFAULT_OPS_PORT)),
    logLevel: readLogLevel(env),
  });
}
