import type { WebSocketService } from '@parley/service-kit';
import { entraBearer } from './entra-token.js';
import { toSeedRequest, toWebPubSubRequest, type ToRestRequest } from './rest-requests.js';
import type { RestTransport } from './transport.js';
import { createUndiciTransport } from './undici-transport.js';

export interface ServiceRestOptions {
  /** Keep-alive connections in the pool. */
  readonly connections: number;
  readonly connectTimeoutMs: number;
}

/**
 * The dialect seam of every caller of the REST API (the notifier, the gateway's typing relay):
 * which paths and which auth. Both dialects go over one undici pool: the seed one with its own
 * paths and a key-signed JWT, Web PubSub with the contracts' paths and a key-signed JWT or a
 * Microsoft Entra ID token. Undici rather than `@azure/web-pubsub`: the SDK signs a new token
 * and runs the whole core-rest-pipeline for every call, several times the CPU per call of this
 * path (services/notifier/README.md).
 */
export function serviceRest(service: WebSocketService, options: ServiceRestOptions): { transport: RestTransport; toRequest: ToRestRequest } {
  const key = service.accessKeys[0];
  const common = { baseUrl: service.baseUrl, connections: options.connections, connectTimeoutMs: options.connectTimeoutMs };
  if (service.dialect === 'signalr') return { transport: createUndiciTransport({ ...common, accessKey: key! }), toRequest: toSeedRequest };
  const auth = service.credential === 'key' && key ? { accessKey: key } : { bearer: entraBearer() };
  return { transport: createUndiciTransport({ ...common, ...auth }), toRequest: toWebPubSubRequest };
}
