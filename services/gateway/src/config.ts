import { fileURLToPath } from 'node:url';
import { DEFAULT_PARTITIONS, parseConnectionString } from '@parley/contracts';
import { ConfigError, envReader, readBusConnection, readHttpListen, type BusConnection } from '@parley/service-kit';
import { readOidcConfig } from './oidc-config.js';

export type AuthMode = 'development' | 'oidc';
/** Whether one bus batch may span partition sessions (see servicebus-publisher.ts). */
export type BatchMode = 'mixed' | 'session';

export interface OidcConfig {
  readonly jwksUrl: string;
  readonly issuer: string;
  readonly audience: string;
  /** The claim that names the user: `sub` by default (stable), or e.g. `oid`, `preferred_username`. */
  readonly userClaim: string;
  /** Accepted signature algorithms (`OIDC_ALGORITHMS`, asymmetric only). */
  readonly algorithms: readonly string[];
  /** What the page signs in with, served by GET /api/config (see oidc-config.ts). */
  readonly authority: string;
  readonly clientId: string;
  readonly scopes: string;
}

export interface GatewayConfig {
  readonly host: string;
  readonly port: number;
  readonly logLevel: string;
  readonly hub: string;
  readonly partitions: number;
  readonly bus: BusConnection;
  readonly busSendTimeoutMs: number;
  readonly busBatchMode: BatchMode;
  /** Keys that may sign upstream calls: primary (from the connection string), then secondary. */
  readonly accessKeys: readonly string[];
  /** Base of the WebSocket URL handed out by negotiate, e.g. `ws://localhost:8888`. */
  readonly publicWsBase: string;
  readonly auth: {
    readonly mode: AuthMode;
    readonly signingKey: string;
    readonly tokenTtlSeconds: number;
    readonly oidc?: OidcConfig;
  };
  readonly rateLimit: { readonly perSecond: number; readonly burst: number };
  readonly maxFrameBytes: number;
  readonly webRoot: string;
}

/** The repo's web/dist, from services/gateway/src. */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../../web/dist', import.meta.url));
const MIN_SIGNING_KEY_CHARS = 32;

/** http→ws, https→wss; ws(s) kept; no trailing slash. */
export function toWsBase(url: string): string {
  const parsed = new URL(url);
  const scheme = { 'http:': 'ws:', 'https:': 'wss:', 'ws:': 'ws:', 'wss:': 'wss:' }[parsed.protocol];
  if (!scheme) throw new Error(`unsupported scheme ${parsed.protocol}`);
  parsed.protocol = scheme;
  parsed.search = '';
  parsed.hash = '';
  return parsed.toString().replace(/\/+$/, '');
}

/** Reads and validates the whole configuration once (docs/style.md §4); throws a ConfigError naming the variable. */
export function loadConfig(environment: Record<string, string | undefined>): GatewayConfig {
  const env = envReader(environment);
  const listen = readHttpListen(env, 7071);

  const signalr = parseConnectionString(env.string('SIGNALR_CONNECTION_STRING'));
  if (!signalr.ok) throw new ConfigError('SIGNALR_CONNECTION_STRING', signalr.error.message);
  const secondary = env.optionalString('SIGNALR_SECONDARY_KEY');
  const publicUrl = env.optionalString('SIGNALR_PUBLIC_URL');
  let publicWsBase: string;
  try {
    publicWsBase = toWsBase(publicUrl ?? signalr.value.baseUrl);
  } catch {
    throw new ConfigError(publicUrl ? 'SIGNALR_PUBLIC_URL' : 'SIGNALR_CONNECTION_STRING', `must be an http(s) or ws(s) URL, got "${publicUrl ?? signalr.value.baseUrl}"`);
  }

  const mode = env.oneOf<AuthMode>('AUTH_MODE', ['development', 'oidc'], 'development');
  const signingKey = env.string('TOKEN_SIGNING_KEY');
  if (signingKey.length < MIN_SIGNING_KEY_CHARS) {
    throw new ConfigError('TOKEN_SIGNING_KEY', `must be at least ${MIN_SIGNING_KEY_CHARS} characters`);
  }
  const oidc: OidcConfig | undefined = mode === 'oidc' ? readOidcConfig(env) : undefined;

  const perSecond = env.int('RATE_LIMIT_PER_SECOND', 10, { min: 1, max: 100_000 });
  const burst = env.int('RATE_LIMIT_BURST', 20, { min: 1, max: 100_000 });

  return Object.freeze({
    ...listen,
    logLevel: env.oneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
    hub: env.string('HUB', 'chat'),
    partitions: env.int('PARTITIONS', DEFAULT_PARTITIONS, { min: 1, max: 4096 }),
    bus: readBusConnection(env),
    busSendTimeoutMs: env.int('BUS_SEND_TIMEOUT_MS', 5_000, { min: 100, max: 60_000 }),
    busBatchMode: env.oneOf<BatchMode>('BUS_BATCH_MODE', ['mixed', 'session'], 'mixed'),
    accessKeys: Object.freeze(secondary ? [signalr.value.accessKey, secondary] : [signalr.value.accessKey]),
    publicWsBase,
    auth: Object.freeze({
      mode,
      signingKey,
      tokenTtlSeconds: env.int('TOKEN_TTL_SECONDS', 900, { min: 10, max: 86_400 }),
      ...(oidc ? { oidc: Object.freeze(oidc) } : {}),
    }),
    rateLimit: Object.freeze({ perSecond, burst }),
    maxFrameBytes: env.int('MAX_FRAME_BYTES', 16_384, { min: 256, max: 1_048_576 }),
    webRoot: env.string('WEB_ROOT', DEFAULT_WEB_ROOT),
  });
}
