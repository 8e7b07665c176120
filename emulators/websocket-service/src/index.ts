import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { closeOnce, listenOn } from '@parley/emulator-lib';
import { pino, type Logger } from 'pino';
import { WebSocketServer } from 'ws';
import { createUpgradeHandler, handleProtocols } from './client/handshake.js';
import { DEFAULT_CONFIG_PATH, loadConfigFile, type ConfigOverrides, type EmulatorConfig } from './config.js';
import { HubRegistry } from './groups.js';
import { createEventHandlersRoute, MANAGE_EVENT_HANDLERS_PATH } from './manage/event-handlers.js';
import { createManageRoute, MANAGE_UPSTREAM_PATH } from './manage/upstream-settings.js';
import { JwtVerifier } from './rest/auth.js';
import { createRequestHandler, type ExtraRoute } from './rest/router.js';
import { UpstreamClient } from './upstream/client.js';
import { CompiledSettings, type UpstreamSettings } from './upstream/templates.js';
import type { HubConnection } from './hub-connection.js';
import { EventClient } from './webpubsub/event-client.js';
import { createWpsHandshake } from './webpubsub/handshake.js';

export { ConfigError, EmulatorError, ErrorCodes } from './errors.js';
export { DEFAULT_CONFIG_PATH, loadConfigFile, parseConfig, type EmulatorConfig, type Limits } from './config.js';
export type { UpstreamSettings, UpstreamTemplate } from './upstream/templates.js';
export type { EventHandlerSetting, WebPubSubSettings } from './webpubsub/settings.js';
export { parseAppSettings } from './webpubsub/app-settings.js';

/** A second, TLS listener serving the same API (what Microsoft's SDKs expect of an endpoint). */
export interface HttpsOptions {
  readonly cert: string | Buffer;
  readonly key: string | Buffer;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
}

export interface SignalREmulatorOptions {
  /** 0 (the default here) picks a free port. */
  readonly port?: number;
  readonly host?: string;
  /** A parsed config; wins over configPath. */
  readonly config?: EmulatorConfig;
  /** A config file; the repository's config/parley.json when neither is given. */
  readonly configPath?: string;
  readonly overrides?: ConfigOverrides;
  /** Save settings changed through the manage API into this config file (`--persist-settings`). */
  readonly persistSettingsTo?: string;
  readonly logger?: Logger;
  readonly logLevel?: string;
  /** Web PubSub event handler retries after a 408/5xx; the service waits 1, 3 and 5 s. */
  readonly eventRetryDelaysMs?: readonly number[];
  /** How long a dropped reliable Web PubSub client may recover; 30 s by default. */
  readonly recoveryWindowMs?: number;
  /** How long a handler origin that passed the abuse-protection check stays trusted; 10 minutes by default. */
  readonly abuseProtectionTtlMs?: number;
  /** Serve HTTPS (and wss) as well, on its own port. */
  readonly https?: HttpsOptions;
}

export interface SignalREmulator {
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly connectionString: string;
  /** The same endpoint and key, for Microsoft's Web PubSub SDKs (`/client`, `/api/hubs`). */
  readonly webPubSubConnectionString: string;
  /** With `https`: its port, `https://<host>:<port>` and the connection string Microsoft's SDKs take without `allowInsecureConnection`. */
  readonly httpsPort?: number;
  readonly httpsUrl?: string;
  readonly httpsConnectionString?: string;
  readonly config: EmulatorConfig;
  /** Connections currently open. */
  connectionCount(): number;
  upstreamSettings(): UpstreamSettings;
  /** Closes every client (each gets its disconnect call), waits for upstream calls, stops listening. */
  close(): Promise<void>;
}

function endpointHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

export async function startSignalREmulator(options: SignalREmulatorOptions = {}): Promise<SignalREmulator> {
  const config = options.config ?? loadConfigFile(options.configPath ?? DEFAULT_CONFIG_PATH, options.overrides);
  const logger = options.logger ?? pino({ level: options.logLevel ?? 'info' });
  const host = options.host ?? '127.0.0.1';
  const limits = config.limits;
  const accessKeys = config.accessKeys.secondary ? [config.accessKeys.primary, config.accessKeys.secondary] : [config.accessKeys.primary];

  let settings = new CompiledSettings(config.upstream);
  // Replaceable at run time through MANAGE_EVENT_HANDLERS_PATH (parley upstream, Web PubSub mode).
  let webPubSubSettings = config.webPubSub;
  let closing = false;
  const registry = new HubRegistry<HubConnection>();
  const upstream = new UpstreamClient({
    settings: () => settings,
    accessKeys,
    connectTimeoutMs: limits.upstreamConnectTimeoutMs,
    messageTimeoutMs: limits.upstreamMessageTimeoutMs,
    maxBodyBytes: limits.maxFrameBytes,
    logger,
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxFrameBytes, perMessageDeflate: false, clientTracking: false, handleProtocols });
  const draining = new Set<Promise<void>>();
  const pending = new Set<Promise<void>>();
  const extra = new Map<string, ExtraRoute>();
  extra.set(
    MANAGE_UPSTREAM_PATH,
    createManageRoute({
      current: () => settings,
      replace: (next) => (settings = next),
      persistTo: options.persistSettingsTo,
      logger,
      maxBodyBytes: limits.maxFrameBytes,
    }),
  );
  extra.set(
    MANAGE_EVENT_HANDLERS_PATH,
    createEventHandlersRoute({ current: () => webPubSubSettings, replace: (next) => (webPubSubSettings = next), logger, maxBodyBytes: limits.maxFrameBytes }),
  );

  const server: Server = createServer({ keepAliveTimeout: 5_000 });
  let origin = '127.0.0.1';
  const events = new EventClient({
    settings: () => webPubSubSettings,
    origin: () => origin,
    timeoutMs: limits.upstreamMessageTimeoutMs,
    maxBodyBytes: limits.maxFrameBytes,
    retryDelaysMs: options.eventRetryDelaysMs ?? [1_000, 3_000, 5_000],
    abuseProtectionTtlMs: options.abuseProtectionTtlMs ?? 10 * 60_000,
    logger,
  });
  const webPubSub = createWpsHandshake({
    wss,
    registry,
    events,
    limits,
    logger,
    draining,
    accessKeys,
    closing: () => closing,
    recoveryWindowMs: options.recoveryWindowMs ?? 30_000,
    maxBufferedMessages: 1_000,
  });
  const rest = { registry, maxBodyBytes: limits.maxFrameBytes };
  const onRequest = createRequestHandler({ verifier: new JwtVerifier(accessKeys), rest, logger, extra, webPubSub: { ...rest, accessKeys } });
  const onUpgrade = createUpgradeHandler({ wss, upstream, registry, limits, logger, draining, pending, closing: () => closing, webPubSub });
  server.on('request', onRequest);
  server.on('upgrade', onUpgrade);
  // The same handlers behind TLS: one registry, so an https REST call reaches ws and wss clients alike.
  const secure: Server | undefined = options.https
    ? createHttpsServer({ cert: options.https.cert, key: options.https.key, keepAliveTimeout: 5_000 })
    : undefined;
  secure?.on('request', onRequest);
  secure?.on('upgrade', onUpgrade);

  const port = await listenOn(server, host, options.port ?? 0);
  let httpsPort: number | undefined;
  if (secure) {
    try {
      httpsPort = await listenOn(secure, host, options.https?.port ?? 0);
    } catch (error) {
      server.close();
      throw error;
    }
  }
  const endpoint = `http://${endpointHost(host)}`;
  origin = `${endpointHost(host)}:${port}`;

  const keepAlive =
    limits.keepAliveIntervalMs > 0
      ? setInterval(() => {
          for (const conn of registry.all()) {
            if (!conn.alive) conn.terminate();
            else {
              conn.alive = false;
              conn.ping();
            }
          }
        }, limits.keepAliveIntervalMs).unref()
      : undefined;

  // Every caller, also one that comes while closing, waits for the whole close.
  const close = closeOnce(async () => {
    closing = true;
    if (keepAlive) clearInterval(keepAlive);
    const stopped = Promise.all([server, ...(secure ? [secure] : [])].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    server.closeIdleConnections();
    secure?.closeIdleConnections();
    for (const conn of registry.all()) conn.close(1001, 'service shutting down');
    await Promise.allSettled([...pending]);
    // Closed clients leave the registry on their close event; the close grace bounds the wait.
    for (let waited = 0; registry.size > 0 && waited < 5_000; waited += 20) await new Promise((r) => setTimeout(r, 20));
    await Promise.allSettled([...draining]);
    server.closeAllConnections();
    secure?.closeAllConnections();
    await stopped;
    await upstream.close();
    await events.close();
    wss.close();
    logger.info({ port }, 'stopped');
  });

  return {
    port,
    url: `${endpoint}:${port}`,
    connectionString: `Endpoint=${endpoint};Port=${port};AccessKey=${config.accessKeys.primary};Version=1.0;`,
    webPubSubConnectionString: `Endpoint=${endpoint};Port=${port};AccessKey=${config.accessKeys.primary};Version=1.0;`,
    ...(httpsPort === undefined
      ? {}
      : {
          httpsPort,
          httpsUrl: `https://${endpointHost(host)}:${httpsPort}`,
          httpsConnectionString: `Endpoint=https://${endpointHost(host)};Port=${httpsPort};AccessKey=${config.accessKeys.primary};Version=1.0;`,
        }),
    config,
    connectionCount: () => registry.size,
    upstreamSettings: () => settings.settings,
    close,
  };
}
