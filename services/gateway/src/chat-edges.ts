import type { FastifyInstance } from 'fastify';
import { ConfigError, type Logger } from '@parley/service-kit';
import type { GatewayConfig } from './config.js';
import type { ConnectionLanes } from './chat-path/connection-lanes.js';
import type { TypingRelay } from './chat-path/typing-relay.js';
import type { GatewayMetrics } from './metrics.js';
import { RateLimiter } from './chat-path/rate-limiter.js';
import { negotiateRoutes } from './web/negotiate.js';
import { upstreamRoutes } from './edges/seed/upstream.js';
import { webPubSubRoutes } from './edges/webpubsub/event-handler.js';
import { createConnectVerifier, createGatewayTokenVerifier, createTokenIssuer, type TokenVerifier } from './tokens.js';
import { createChatPath } from './chat-path/chat-path.js';
import { seedClientEndpoint } from './edges/client-endpoint.js';
import { createHandlerCheck } from './edges/webpubsub/handler-auth.js';

export interface ChatEdgeOptions {
  config: GatewayConfig;
  lanes: ConnectionLanes;
  relay: TypingRelay;
  metrics: GatewayMetrics;
  logger: Logger;
  eventIds: () => string;
  now: () => number;
  /** The OIDC verifier in oidc mode (negotiate, and seed connects with the provider's token). */
  oidc?: TokenVerifier;
}

/**
 * The dialect seam: one chat path, and the edge `WEBSOCKET_SERVICE` names in
 * front of it — the seed upstream (`/api/messages`) or the Web PubSub event
 * handler (`/api/webpubsub/events`) — plus negotiate with that dialect's URL and token.
 */
export async function registerChatEdges(app: FastifyInstance, options: ChatEdgeOptions): Promise<void> {
  const { config, metrics, now } = options;
  const chat = createChatPath({
    config,
    lanes: options.lanes,
    relay: options.relay,
    limiter: new RateLimiter({ perSecond: config.rateLimit.perSecond, burst: config.rateLimit.burst, now }),
    metrics,
    logger: options.logger,
    eventIds: options.eventIds,
    now,
  });
  const oidc = options.oidc ? { oidc: options.oidc } : {};

  if (config.service.dialect === 'webpubsub' && config.webPubSub) {
    // The SDK is loaded only here, so the seed dialect starts without it.
    const { createWebPubSubClient, webPubSubClientEndpoint, webPubSubSender } = await import('./edges/webpubsub/service-client.js');
    const client = createWebPubSubClient(config.service, config.hub);
    await app.register(webPubSubRoutes, {
      config,
      edge: config.webPubSub,
      chat,
      check: createHandlerCheck(config.webPubSub.handlerAuth, config.accessKeys, now),
      sendHello: webPubSubSender(client),
      metrics,
      logger: options.logger,
    });
    await app.register(negotiateRoutes, { config, endpoint: webPubSubClientEndpoint(config, client), profiles: chat, ...oidc });
    return;
  }

  const { signingKey } = config.auth;
  // loadConfig requires the key in the seed dialect; a configuration built by hand may lack it.
  if (signingKey === undefined) throw new ConfigError('TOKEN_SIGNING_KEY', 'is required by the seed dialect, which issues its own client tokens');
  const gatewayTokens = createGatewayTokenVerifier({ signingKey, now });
  await app.register(upstreamRoutes, { config, chat, verifier: createConnectVerifier(gatewayTokens, options.oidc), metrics });
  const issue = createTokenIssuer({ signingKey, ttlSeconds: config.auth.tokenTtlSeconds, now });
  await app.register(negotiateRoutes, { config, endpoint: seedClientEndpoint(config, issue), profiles: chat, ...oidc });
}
