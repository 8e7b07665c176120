import { parseConnectionString, type WebSocketServiceConnection } from '@parley/contracts';
import { findStackFile } from '../config.js';
import { CliError, CliErrorCodes } from '../errors.js';
import type { Env } from '../io.js';

export type UpstreamDialect = 'signalr' | 'webpubsub';

/**
 * Which face `parley upstream` manages, most specific first: `--service`,
 * `WEBSOCKET_SERVICE` (as the services read it), the local stack's
 * `.parley/stack.json` (`npm start -- --service webpubsub` writes it), else
 * the seed dialect.
 */
export async function resolveDialect(flag: string | undefined, env: Env, cwd: string): Promise<UpstreamDialect> {
  const named = flag?.trim() || env.WEBSOCKET_SERVICE?.trim();
  const source = flag?.trim() ? '--service' : 'WEBSOCKET_SERVICE';
  if (named) {
    if (named !== 'signalr' && named !== 'webpubsub') throw new CliError(CliErrorCodes.usage, `${source} must be signalr or webpubsub, got "${named}"`);
    return named;
  }
  const stack = await findStackFile(env, cwd);
  if (stack) {
    try {
      const service = (JSON.parse(stack.text) as { service?: unknown }).service;
      if (service === 'webpubsub') return 'webpubsub';
    } catch {
      // A broken stack file is reported by the connection readers when they need it.
    }
  }
  return 'signalr';
}

/** Azure Web PubSub (`https://<name>.webpubsub.azure.com`) or a local service this CLI can change. */
export type WebPubSubTarget = { kind: 'azure'; resource: string; endpoint: string } | { kind: 'local'; connection: WebSocketServiceConnection };

const AZURE_HOST = /^([a-z0-9-]+)\.webpubsub\.azure\.com$/i;

/** `WEBPUBSUB_ENDPOINT`, `WEBPUBSUB_CONNECTION_STRING`, or the connection the other commands use (`--signalr`, …, stack.json). */
export function webPubSubTarget(env: Env, fallback: () => WebSocketServiceConnection): WebPubSubTarget {
  const endpoint = env.WEBPUBSUB_ENDPOINT?.trim();
  const connectionString = env.WEBPUBSUB_CONNECTION_STRING?.trim();
  let connection: WebSocketServiceConnection | undefined;
  let url: string;
  if (connectionString) {
    const parsed = parseConnectionString(connectionString);
    if (!parsed.ok) throw new CliError(CliErrorCodes.configInvalid, `WEBPUBSUB_CONNECTION_STRING: ${parsed.error.message}`);
    connection = parsed.value;
    url = connection.baseUrl;
  } else if (endpoint) {
    url = endpoint;
  } else {
    connection = fallback();
    url = connection.baseUrl;
  }
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    throw new CliError(CliErrorCodes.configInvalid, `WEBPUBSUB_ENDPOINT: "${url}" is not a URL`);
  }
  const azure = AZURE_HOST.exec(host);
  if (azure) return { kind: 'azure', resource: azure[1]!, endpoint: url };
  if (!connection) throw new CliError(CliErrorCodes.configMissing, `WEBPUBSUB_ENDPOINT ${url} is not Azure Web PubSub and has no key: give WEBPUBSUB_CONNECTION_STRING for a local service`);
  return { kind: 'local', connection };
}
