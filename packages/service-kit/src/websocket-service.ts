import { parseConnectionString } from '@parley/contracts';
import type { EnvReader } from './config.js';
import { ConfigError } from './errors.js';

/** The two dialects of the WebSocket service (docs/protocols.md §1 seed, §2 Azure Web PubSub). */
export type ServiceDialect = 'signalr' | 'webpubsub';
export const SERVICE_DIALECTS: readonly ServiceDialect[] = ['signalr', 'webpubsub'];

/**
 * How the gateway and the notifier reach the WebSocket service, read the same
 * way in both. `WEBSOCKET_SERVICE` picks the dialect (default
 * `signalr`, the local seed face).
 *
 * - signalr: `SIGNALR_CONNECTION_STRING` (+ `SIGNALR_SECONDARY_KEY`).
 * - webpubsub: `WEBPUBSUB_CONNECTION_STRING` (key auth), or on Azure
 *   `WEBPUBSUB_ENDPOINT` with Microsoft Entra ID (DefaultAzureCredential, role
 *   "Web PubSub Service Owner"); `WEBPUBSUB_ACCESS_KEY` beside the endpoint only
 *   when event-handler signatures are checked with it. `WEBPUBSUB_SECONDARY_KEY`
 *   is accepted for signatures during key rotation.
 */
export interface WebSocketService {
  readonly dialect: ServiceDialect;
  /** `http(s)://host[:port]` of the service: REST calls and token audiences. */
  readonly baseUrl: string;
  /** Keys known to this process, primary first; empty with Entra ID and no key. */
  readonly accessKeys: readonly string[];
  /** How REST calls authenticate: a JWT signed with the primary key, or an Entra ID token. */
  readonly credential: 'key' | 'entra';
}

function fromConnectionString(variable: string, text: string): { baseUrl: string; accessKey: string } {
  const parsed = parseConnectionString(text);
  if (!parsed.ok) throw new ConfigError(variable, parsed.error.message);
  return { baseUrl: parsed.value.baseUrl, accessKey: parsed.value.accessKey };
}

export function readWebSocketService(env: EnvReader): WebSocketService {
  const dialect = env.oneOf<ServiceDialect>('WEBSOCKET_SERVICE', SERVICE_DIALECTS, 'signalr');
  if (dialect === 'signalr') {
    const { baseUrl, accessKey } = fromConnectionString('SIGNALR_CONNECTION_STRING', env.string('SIGNALR_CONNECTION_STRING'));
    const secondary = env.optionalString('SIGNALR_SECONDARY_KEY');
    return Object.freeze({ dialect, baseUrl, accessKeys: Object.freeze(secondary ? [accessKey, secondary] : [accessKey]), credential: 'key' as const });
  }
  const connectionString = env.optionalString('WEBPUBSUB_CONNECTION_STRING');
  const endpoint = env.optionalString('WEBPUBSUB_ENDPOINT');
  const secondary = env.optionalString('WEBPUBSUB_SECONDARY_KEY');
  if (connectionString && endpoint) throw new ConfigError('WEBPUBSUB_CONNECTION_STRING', 'set either it or WEBPUBSUB_ENDPOINT (Microsoft Entra ID), not both');
  if (connectionString) {
    const { baseUrl, accessKey } = fromConnectionString('WEBPUBSUB_CONNECTION_STRING', connectionString);
    return Object.freeze({ dialect, baseUrl, accessKeys: Object.freeze(secondary ? [accessKey, secondary] : [accessKey]), credential: 'key' as const });
  }
  if (!endpoint) throw new ConfigError('WEBPUBSUB_CONNECTION_STRING', 'is required with WEBSOCKET_SERVICE=webpubsub (or WEBPUBSUB_ENDPOINT for Microsoft Entra ID)');
  const baseUrl = env.url('WEBPUBSUB_ENDPOINT').replace(/\/+$/, '');
  if (new URL(baseUrl).pathname !== '/') throw new ConfigError('WEBPUBSUB_ENDPOINT', `must be https://<name>.webpubsub.azure.com without a path, got "${baseUrl}"`);
  const key = env.optionalString('WEBPUBSUB_ACCESS_KEY');
  const keys = [key, secondary].filter((value): value is string => value !== undefined);
  return Object.freeze({ dialect, baseUrl, accessKeys: Object.freeze(keys), credential: 'entra' as const });
}
