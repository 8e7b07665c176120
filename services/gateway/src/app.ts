import fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import { nextEventId } from '@parley/contracts';
import { opsRoutes, type Logger } from '@parley/service-kit';
import type { Registry } from 'prom-client';
import type { GatewayConfig } from './config.js';
import { ConnectionLanes } from './connection-lanes.js';
import { GatewayError, GatewayErrorCodes } from './errors.js';
import { createGatewayMetrics, type GatewayMetrics } from './metrics.js';
import type { EventPublisher } from './publisher.js';
import { RateLimiter } from './rate-limiter.js';
import { negotiateRoutes } from './routes/negotiate.js';
import { upstreamRoutes } from './routes/upstream.js';
import { configRoutes } from './routes/config.js';
import { webRoutes } from './routes/web.js';
import { createConnectVerifier, createGatewayTokenVerifier, createOidcVerifier, createTokenIssuer, type TokenVerifier } from './tokens.js';

export interface AppDeps {
  publisher: EventPublisher;
  logger: Logger;
  registry: Registry;
  /** Created from the registry when absent; main passes its own so the publisher can feed it. */
  metrics?: GatewayMetrics;
  /** Clock for tokens, rate limits and timestamps (tests pass their own). */
  now?: () => number;
  eventIds?: () => string;
  /** Back-off of posted events (connected, disconnected); tests shorten it. */
  retryDelaysMs?: readonly number[];
}

/** Builds the gateway, not listening (docs/style.md §1). Closing it drains the per-connection send lanes. */
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

  const gatewayTokens = createGatewayTokenVerifier({ signingKey: config.auth.signingKey, now });
  const oidc: TokenVerifier | undefined = config.auth.oidc ? createOidcVerifier(config.auth.oidc, { now }) : undefined;

  await app.register(opsRoutes, { registry: deps.registry, readiness: { bus: () => deps.publisher.ready() } });
  await app.register(upstreamRoutes, {
    config,
    lanes,
    limiter: new RateLimiter({ perSecond: config.rateLimit.perSecond, burst: config.rateLimit.burst, now }),
    verifier: createConnectVerifier(gatewayTokens, oidc),
    metrics,
    logger: deps.logger,
    eventIds: deps.eventIds ?? nextEventId,
    now,
  });
  await app.register(negotiateRoutes, {
    config,
    issue: createTokenIssuer({ signingKey: config.auth.signingKey, ttlSeconds: config.auth.tokenTtlSeconds, now }),
    ...(oidc ? { oidc } : {}),
  });
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
