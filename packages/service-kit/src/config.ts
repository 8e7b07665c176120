import { DEFAULT_PARTITIONS } from '@parley/contracts';
import { ConfigError } from './errors.js';

type Env = Record<string, string | undefined>;

/**
 * Typed readers over an environment object. Each throws a ConfigError naming
 * the variable; services call them once at start and freeze the result.
 */
export function envReader(env: Env) {
  const raw = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };
  return {
    string(name: string, fallback?: string): string {
      const value = raw(name) ?? fallback;
      if (value === undefined) throw new ConfigError(name, 'is required');
      return value;
    },
    optionalString(name: string): string | undefined {
      return raw(name);
    },
    int(name: string, fallback: number, { min = -Infinity, max = Infinity } = {}): number {
      const text = raw(name);
      const value = text === undefined ? fallback : Number(text);
      if (!Number.isInteger(value)) throw new ConfigError(name, `must be an integer, got "${text}"`);
      if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
      return value;
    },
    bool(name: string, fallback: boolean): boolean {
      const text = raw(name)?.toLowerCase();
      if (text === undefined) return fallback;
      if (['1', 'true', 'yes', 'on'].includes(text)) return true;
      if (['0', 'false', 'no', 'off'].includes(text)) return false;
      throw new ConfigError(name, `must be true or false, got "${text}"`);
    },
    oneOf<T extends string>(name: string, choices: readonly T[], fallback: T): T {
      const text = raw(name) ?? fallback;
      if (!(choices as readonly string[]).includes(text)) throw new ConfigError(name, `must be one of ${choices.join(', ')}, got "${text}"`);
      return text as T;
    },
    url(name: string, fallback?: string): string {
      const text = raw(name) ?? fallback;
      if (text === undefined) throw new ConfigError(name, 'is required');
      try {
        const url = new URL(text);
        if (!['http:', 'https:'].includes(url.protocol)) throw new Error('not http(s)');
      } catch {
        throw new ConfigError(name, `must be an http(s) URL, got "${text}"`);
      }
      return text;
    },
    list(name: string, fallback: readonly string[] = []): string[] {
      const text = raw(name);
      return text === undefined ? [...fallback] : text.split(',').map((v) => v.trim()).filter(Boolean);
    },
  };
}

export type EnvReader = ReturnType<typeof envReader>;

/** Bus connection: a connection string (local broker, SAS) or a namespace with DefaultAzureCredential. */
export type BusConnection = { kind: 'connectionString'; connectionString: string } | { kind: 'namespace'; namespace: string };

export function readBusConnection(env: EnvReader): BusConnection {
  const connectionString = env.optionalString('SERVICEBUS_CONNECTION_STRING');
  const namespace = env.optionalString('SERVICEBUS_NAMESPACE');
  if (connectionString && namespace) {
    throw new ConfigError('SERVICEBUS_CONNECTION_STRING', 'set either it or SERVICEBUS_NAMESPACE, not both');
  }
  if (connectionString) {
    if (!/Endpoint=sb:\/\//i.test(connectionString)) throw new ConfigError('SERVICEBUS_CONNECTION_STRING', 'must contain Endpoint=sb://…');
    return { kind: 'connectionString', connectionString };
  }
  if (namespace) {
    if (!/^[a-z0-9.-]+$/i.test(namespace)) throw new ConfigError('SERVICEBUS_NAMESPACE', 'must be a host name such as parley.servicebus.windows.net');
    return { kind: 'namespace', namespace };
  }
  throw new ConfigError('SERVICEBUS_CONNECTION_STRING', 'is required (or SERVICEBUS_NAMESPACE for managed identity)');
}

/** Where a service's HTTP server listens (`HOST`, `PORT`). */
export function readHttpListen(env: EnvReader, defaultPort: number) {
  return { host: env.string('HOST', '127.0.0.1'), port: env.int('PORT', defaultPort, { min: 0, max: 65535 }) };
}

/**
 * Where the gateway's ops server (/healthz, /readyz, /metrics) listens: `OPS_PORT`, on
 * `HOST`. Apart from the public port so the Ingress never exposes it. The workers have no
 * public port; their ops server is on `PORT`.
 */
export function readOpsListen(env: EnvReader, defaultPort: number) {
  return { host: env.string('HOST', '127.0.0.1'), port: env.int('OPS_PORT', defaultPort, { min: 0, max: 65535 }) };
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** `LOG_LEVEL`, one of pino's levels; info by default. */
export function readLogLevel(env: EnvReader): LogLevel {
  return env.oneOf('LOG_LEVEL', LOG_LEVELS, 'info');
}

/**
 * The most partitions any service accepts. Every worker instance may hold one session per
 * partition (MAX_CONCURRENT_SESSIONS defaults to PARTITIONS), so the cap bounds slots too.
 */
export const MAX_PARTITIONS = 1024;

/**
 * `PARTITIONS`: how many session ids a key is hashed into. The gateway, the worker and the
 * CLI must agree on it, so all of them read it here with one range.
 */
export function readPartitions(env: EnvReader): number {
  return env.int('PARTITIONS', DEFAULT_PARTITIONS, { min: 1, max: MAX_PARTITIONS });
}
