import type { NotifierConfig } from './config.js';
import { entraBearer } from './entra-token.js';
import { toRestRequest, type ToRestRequest } from './rest-requests.js';
import type { RestTransport } from './transport.js';
import { createUndiciTransport } from './undici-transport.js';
import { toWebPubSubRequest } from './webpubsub-requests.js';

export type WebPubSubTransportKind = 'sdk' | 'undici';

/**
 * The notifier's dialect seam: which REST paths and which auth. Both dialects
 * go over undici: the seed one with its own paths, Web PubSub with the
 * contracts' paths and a key-signed JWT or a Microsoft Entra ID token.
 * Microsoft's SDK (`sdk`) stays selectable: the bench (bench/rest-transports.ts)
 * measured it at 5.5–6× the CPU per call of undici, past the 2× the issue
 * allows, so undici is the default (services/notifier/README.md has the figures).
 */
export function dialectOf(config: NotifierConfig, webPubSub: WebPubSubTransportKind = 'undici'): { transport: RestTransport; toRequest: ToRestRequest } {
  const { service } = config;
  const key = service.accessKeys[0];
  const common = { baseUrl: service.baseUrl, connections: config.httpConnections, connectTimeoutMs: config.requestTimeoutMs };
  if (service.dialect === 'signalr') return { transport: createUndiciTransport({ ...common, accessKey: key! }), toRequest: toRestRequest };
  if (webPubSub === 'sdk') return { transport: lazySdkTransport(config), toRequest: toWebPubSubRequest };
  const auth = service.credential === 'key' && key ? { accessKey: key } : { bearer: entraBearer() };
  return { transport: createUndiciTransport({ ...common, ...auth }), toRequest: toWebPubSubRequest };
}

/** The SDK transport, loaded on first use: a notifier that does not use it never pays for loading the SDK. */
function lazySdkTransport(config: NotifierConfig): RestTransport {
  const loading = import('./webpubsub-sdk-transport.js').then((m) => m.createWebPubSubSdkTransport(config.service));
  return {
    attempt: async (request, timeoutMs) => (await loading).attempt(request, timeoutMs),
    close: async () => (await loading).close(),
  };
}
