import type { NotifierConfig } from './config.js';
import { toRestRequest, type ToRestRequest } from './rest-requests.js';
import type { RestTransport } from './transport.js';
import { createUndiciTransport } from './undici-transport.js';
import { toWebPubSubRequest } from './webpubsub-requests.js';
import { createWebPubSubSdkTransport } from './webpubsub-sdk-transport.js';

export type WebPubSubTransportKind = 'sdk' | 'undici';

/**
 * The notifier's dialect seam: which REST paths and which auth. The seed
 * dialect has no SDK, so it goes over undici with its own paths; Web PubSub
 * goes through Microsoft's SDK (services/notifier/README.md says why, with the
 * bench figures), or over undici with the contracts' Web PubSub paths when a
 * key is known (the bench's comparison).
 */
export function dialectOf(config: NotifierConfig, webPubSub: WebPubSubTransportKind): { transport: RestTransport; toRequest: ToRestRequest } {
  const { service } = config;
  const key = service.accessKeys[0];
  const undici = (accessKey: string) =>
    createUndiciTransport({ baseUrl: service.baseUrl, accessKey, connections: config.httpConnections, connectTimeoutMs: config.requestTimeoutMs });
  if (service.dialect === 'signalr') return { transport: undici(key!), toRequest: toRestRequest };
  if (webPubSub === 'undici' && service.credential === 'key' && key) return { transport: undici(key), toRequest: toWebPubSubRequest };
  return { transport: createWebPubSubSdkTransport(service), toRequest: toWebPubSubRequest };
}
