export { serviceRest, type ServiceRestOptions } from './service-rest.js';
export { createUndiciTransport, type UndiciTransportOptions } from './undici-transport.js';
export { ERROR_BODY_LIMIT, type Attempt, type RestTransport } from './transport.js';
export { audienceOf, requestsFor, seedPaths, targetOf, toSeedRequest, toWebPubSubRequest, webPubSubPaths, type DialectPaths, type RestRequest, type ToRestRequest } from './rest-requests.js';
export { entraBearer } from './entra-token.js';
export { TokenCache, type TokenCacheOptions } from './token-cache.js';
export { parseRetryAfter } from './retry-after.js';
