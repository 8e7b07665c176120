import fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import { nextEventId } from '@parley/contracts';
import { httpTracing, type Logger } from '@parley/service-kit';
import type { Registry } from 'prom-client';
import type { GatewayConfig } from './config.js';
import { ConnectionLanes } from './chat-path/connection-lanes.js';
import { openTypingRelay, type TypingRelay } from './chat-path/typing-relay.js';
import { GatewayError, GatewayErrorCodes } from './errors.js';
import { createGatewayMetrics, type GatewayMetrics } from './metrics.js';
import type { EventPublisher } from './chat-path/publisher.js';
import { registerChatEdges } from './chat-edges.js';
import { configRoutes } from './web/page-config.js';
import { webRoutes } from './web/page.js';
import { createOidcVerifier, type TokenVerifier } from './tokens.js';

export interface AppDeps {
  publisher: EventPublisher;
  logger: Logger;
  /** The registry the ops server serves (main) or a test's own. */
  registry: Registry;
  /** Created from the registry when absent; main passes its own so the publisher can feed it. */
  metrics?: GatewayMetrics;
  /** Clock for tokens, rate limits and timestamps (tests pass their own). */
  now?: () => number;
  eventIds?: () => string;
  /** Back-off of posted events (connected, disconnected); tests shorten it. */
  retryDelaysMs?: readonly number[];
  /** Created from the config (tables, WebSocket service) when absent. */
  typingRelay?: TypingRelay;
}

/**
 * Builds the gateway's public app, not listening (docs/style.md §1). Closing it drains the
 * per-connection send lanes. No ops routes here: /healthz, /readyz and /metrics are on the
 * ops server (service-kit's startOpsServer, OPS_PORT), which the Ingress never exposes.
 */
export async function buildApp(deps: AppDeps, config: GatewayConfig): Promise<FastifyInstance> {
  const now = deps.now ?? Date.now;
  const metrics = deps.metrics ?? createGatewayMetrics(deps.registry);
  // Per-request lines would dominate the log under load; handlers log what matters with event ids.
  const app = fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
  });

  app.setErrorHandler((error: FastifyError | GatewayError, request, reply) => {
    const answer = toErrorAnswer(error);
    metrics.rejections.inc({ code: answer.code });
    if (answer.status >= 500 && answer.code === GatewayErrorCodes.internal) request.log.error({ err: error }, 'request failed');
    return reply.code(answer.status).type('application/json').send({ code: answer.code, message: answer.message });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ code: GatewayErrorCodes.notFound, message: `${request.method} ${request.url.split('?')[0]} is not a route` }),
  );

  const lanes = new ConnectionLanes({
    publish: (event) => deps.publisher.publish(event),
    logger: deps.logger,
    ...(deps.retryDelaysMs ? { retryDelaysMs: deps.retryDelaysMs } : {}),
  });
  // fastify runs onClose after the server stopped taking requests and in-flight ones ended.
  app.addHook('onClose', async () => lanes.drain());

  const relay = deps.typingRelay ?? openTypingRelay(config);
  app.addHook('onClose', async () => relay.close());

  const oidc: TokenVerifier | undefined = config.auth.oidc ? createOidcVerifier(config.auth.oidc, { now }) : undefined;

  // The dialect's edge (seed upstream or Web PubSub event handler) and negotiate, over one chat path.
  // A SERVER span per upstream call, before the routes it wraps; nothing while tracing is off.
  await app.register(httpTracing, { only: ['/api/messages', '/api/webpubsub/events', '/api/negotiate'] });
  await registerChatEdges(app, { config, lanes, relay, metrics, logger: deps.logger, eventIds: deps.eventIds ?? nextEventId, now, ...(oidc ? { oidc } : {}) });
  await app.register(configRoutes, { config });
  await app.register(webRoutes, { config });
  return app;
}

function toErrorAnswer(error: FastifyError | GatewayError): { status: number; code: string; message: string } {
  if (error instanceof GatewayError) return { status: error.statusCode, code: error.code, message: error.message };
  const status = error.statusCode ?? 500;
  if (status === 413) return { status, code: GatewayErrorCodes.bodyTooLarge, message: error.message };
  if (status >= 400 && status < 500) return { status, code: GatewayErrorCodes.bodyInvalid, message: error.message };
  return { status: 500, code: GatewayErrorCodes.internal, message: 'internal error' };
}
