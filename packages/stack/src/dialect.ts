import { parleyEventHandler } from '@parley/contracts';

/**
 * Which face of the local WebSocket service the whole stack speaks:
 * `signalr` is the seed `X-ASRS-*` dialect (docs/protocols.md §1, the default
 * of `npm start`), `webpubsub` is Azure Web PubSub (§2), what production runs on.
 * The emulator serves both on one port; only the gateway's and the notifier's
 * edges change, selected by `WEBSOCKET_SERVICE`.
 */
export type ServiceDialect = 'signalr' | 'webpubsub';
export const SERVICE_DIALECTS: readonly ServiceDialect[] = ['signalr', 'webpubsub'];
export const DEFAULT_SERVICE_DIALECT: ServiceDialect = 'signalr';

export function isServiceDialect(value: unknown): value is ServiceDialect {
  return (SERVICE_DIALECTS as readonly unknown[]).includes(value);
}

/** The emulator's environment: where its seed upstream or its Web PubSub event handler points. */
export function emulatorEnv(service: ServiceDialect, gatewayPort: number): Record<string, string> {
  const gateway = `http://127.0.0.1:${gatewayPort}`;
  return service === 'webpubsub'
    ? { WEBPUBSUB_EVENT_HANDLER_URL: parleyEventHandler(gateway).UrlTemplate }
    : { SIGNALR_UPSTREAM_URL: `${gateway}/api/messages?event={event}` };
}

/** The gateway's and the notifier's environment for the dialect: one setting and the connection string under its name. */
export function serviceEnv(service: ServiceDialect, connectionString: string): Record<string, string> {
  return service === 'webpubsub'
    ? { WEBSOCKET_SERVICE: 'webpubsub', WEBPUBSUB_CONNECTION_STRING: connectionString }
    : { WEBSOCKET_SERVICE: 'signalr', SIGNALR_CONNECTION_STRING: connectionString };
}
