import { Limits } from '@parley/contracts';
import { ConfigError, envReader, MAX_PARTITIONS, readBusConnection, readHttpListen, readLogLevel, readPartitions, readTablesConnection, type BusConnection, type TablesConnection } from '@parley/service-kit';

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
  /** Unset: everything is kept. */
  readonly retention: RetentionConfig | undefined;
}

export interface RetentionConfig {
  /** Events and messages older than this are deleted. */
  readonly retentionMs: number;
  /** At most this many rows deleted per second. */
  readonly deletesPerSecond: number;
  readonly sweepEveryMs: number;
  readonly firstSweepAfterMs: number;
}

const DAY_MS = 86_400_000;

function readRetention(env: ReturnType<typeof envReader>): RetentionConfig | undefined {
  const text = env.optionalString('RETENTION_DAYS');
  if (text === undefined) return undefined;
  // Fractions are allowed (a test keeps minutes); zero or less would delete what was just written.
  const days = Number(text);
  if (!Number.isFinite(days) || days <= 0) throw new ConfigError('RETENTION_DAYS', `must be a positive number of days, got "${text}"`);
  return Object.freeze({
    retentionMs: days * DAY_MS,
    deletesPerSecond: env.int('RETENTION_DELETES_PER_SECOND', 50, { min: 1, max: 1_000 }),
    sweepEveryMs: env.int('RETENTION_SWEEP_MINUTES', 60, { min: 1, max: 24 * 60 }) * 60_000,
    // Not at once: a restart loop must not turn into a sweep loop.
    firstSweepAfterMs: 60_000,
  });
}

export const DEFAULT_OPS_PORT = 7072;

/** Reads and validates the environment once, at start; throws a ConfigError naming the variable. */
export function loadConfig(environment: Record<string, string | undefined>): WorkerConfig {
  const env = envReader(environment);
  const partitions = readPartitions(env);
  return Object.freeze({
    bus: readBusConnection(env),
    tables: readTablesConnection(env),
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
    retention: readRetention(env),
  });
}
