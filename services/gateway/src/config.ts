import { fileURLToPath } from 'node:url';
import { ConfigError, envReader, type EnvReader, readBusConnection, readHttpListen, readLogLevel, readOpsListen, readPartitions, readTablesConnection, type BusConnection, type TablesConnection, type WebSocketService } from '@parley/service-kit';
import { readServiceEdge, type WebPubSubEdgeConfig } from './service-config.js';
import { readOidcConfig } from './oidc-config.js';

export type AuthMode = 'development' | 'oidc';
/** Whether one bus batch may span partition sessions (see chat-path/servicebus-publisher.ts). */
export type BatchMode = 'mixed' | 'session';

export interface OidcConfig {
  readonly jwksUrl: string;
  readonly issuer: string;
  /** The API's audience (`OIDC_API_AUDIENCE`): access tokens for this API, never the page's ID token. */
  readonly audience: string;
  /** A delegated scope (`scp`/`scope`) or app role (`roles`) the access token must carry (`OIDC_REQUIRED_SCOPE`). */
  readonly requiredScope: string;
  /** The stable claim that names the user: `sub` by default, `oid` on Microsoft Entra ID. */
  readonly userClaim: string;
  /** The claim shown as the user's name (`OIDC_NAME_CLAIM`, default `name`); never the id. */
  readonly nameClaim: string;
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
  /** The ops server (/healthz, /readyz, /metrics): `OPS_PORT`, apart from the public port. */
  readonly ops: { readonly host: string; readonly port: number };
  readonly logLevel: string;
  readonly hub: string;
  readonly partitions: number;
  readonly bus: BusConnection;
  readonly busSendTimeoutMs: number;
  readonly busBatchMode: BatchMode;
  /** The WebSocket service and its dialect (`WEBSOCKET_SERVICE`, service-config.ts). */
  readonly service: WebSocketService;
  /** The projection tables, read (never written) by the typing relay: member and presence rows. */
  readonly tables: TablesConnection;
  /** The typing relay's REST call to the WebSocket service gives up after this long (`TYPING_RELAY_TIMEOUT_MS`). */
  readonly typingRelayTimeoutMs: number;
  /** Keys that may sign upstream calls: primary (from the connection string), then secondary. */
  readonly accessKeys: readonly string[];
  /** Base of the WebSocket URL handed out by negotiate, e.g. `ws://localhost:8888`. */
  readonly publicWsBase: string;
  /** Web PubSub only: abuse-protection origins and how event-handler calls are authenticated. */
  readonly webPubSub?: WebPubSubEdgeConfig;
  readonly auth: {
    readonly mode: AuthMode;
    /** The seed dialect's client-token key (`TOKEN_SIGNING_KEY`); Web PubSub issues its own tokens. */
    readonly signingKey?: string;
    readonly tokenTtlSeconds: number;
    readonly oidc?: OidcConfig;
  };
  readonly rateLimit: { readonly perSecond: number; readonly burst: number };
  readonly maxFrameBytes: number;
  readonly webRoot: string;
}

export const DEFAULT_PORT = 7071;
export const DEFAULT_OPS_PORT = 7074;

/** The repo's web/dist, from services/gateway/src. */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../../web/dist', import.meta.url));
const MIN_SIGNING_KEY_CHARS = 32;

export { toWsBase } from './service-config.js';

/**
 * No default: development sign-in lets anyone connect under any name, so it
 * must be asked for by name (`npm start` and the test harnesses do), and a
 * deployment that forgot the variable stops instead of opening up.
 */
function readAuthMode(env: EnvReader): AuthMode {
  if (env.optionalString('AUTH_MODE') === undefined) {
    throw new ConfigError(
      'AUTH_MODE',
      'is required: oidc (sign-in with the identity provider, for any shared deployment) or development (anyone may connect under any name they type; local only)',
    );
  }
  return env.oneOf<AuthMode>('AUTH_MODE', ['development', 'oidc'], 'development');
}

/**
 * The key of the seed dialect's own client tokens (negotiate issues them, the
 * upstream's connect checks them). Web PubSub issues its own tokens, so there
 * the gateway holds no key at all.
 */
function readSigningKey(env: EnvReader): string {
  const signingKey = env.string('TOKEN_SIGNING_KEY');
  if (signingKey.length < MIN_SIGNING_KEY_CHARS) {
    throw new ConfigError('TOKEN_SIGNING_KEY', `must be at least ${MIN_SIGNING_KEY_CHARS} characters`);
  }
  return signingKey;
}

/** Reads and validates the whole configuration once (docs/style.md §4); throws a ConfigError naming the variable. */
export function loadConfig(environment: Record<string, string | undefined>): GatewayConfig {
  const env = envReader(environment);
  const listen = readHttpListen(env, DEFAULT_PORT);

  // WEBSOCKET_SERVICE=signalr|webpubsub and the service's connection, keys and public URL.
  const edge = readServiceEdge(env);

  const signingKey = edge.service.dialect === 'signalr' ? readSigningKey(env) : undefined;
  const mode = readAuthMode(env);
  const oidc: OidcConfig | undefined = mode === 'oidc' ? readOidcConfig(env) : undefined;

  const perSecond = env.int('RATE_LIMIT_PER_SECOND', 10, { min: 1, max: 100_000 });
  const burst = env.int('RATE_LIMIT_BURST', 20, { min: 1, max: 100_000 });

  return Object.freeze({
    ...listen,
    ops: Object.freeze(readOpsListen(env, DEFAULT_OPS_PORT)),
    logLevel: readLogLevel(env),
    hub: env.string('HUB', 'chat'),
    partitions: readPartitions(env),
    bus: readBusConnection(env),
    busSendTimeoutMs: env.int('BUS_SEND_TIMEOUT_MS', 5_000, { min: 100, max: 60_000 }),
    busBatchMode: env.oneOf<BatchMode>('BUS_BATCH_MODE', ['mixed', 'session'], 'mixed'),
    service: edge.service,
    tables: readTablesConnection(env),
    typingRelayTimeoutMs: env.int('TYPING_RELAY_TIMEOUT_MS', 2_000, { min: 100, max: 30_000 }),
    accessKeys: edge.accessKeys,
    publicWsBase: edge.publicWsBase,
    ...(edge.webPubSub ? { webPubSub: edge.webPubSub } : {}),
    auth: Object.freeze({
      mode,
      ...(signingKey ? { signingKey } : {}),
      tokenTtlSeconds: env.int('TOKEN_TTL_SECONDS', 900, { min: 10, max: 86_400 }),
      ...(oidc ? { oidc: Object.freeze(oidc) } : {}),
    }),
    rateLimit: Object.freeze({ perSecond, burst }),
    maxFrameBytes: env.int('MAX_FRAME_BYTES', 16_384, { min: 256, max: 1_048_576 }),
    webRoot: env.string('WEB_ROOT', DEFAULT_WEB_ROOT),
  });
}
