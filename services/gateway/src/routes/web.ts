import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import helmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import type { GatewayConfig } from '../config.js';
import { GatewayError, GatewayErrorCodes } from '../errors.js';
import { isUserName } from '../tokens.js';

export interface WebOptions {
  config: GatewayConfig;
}

/** The page may talk only to its own origin and to WebSockets (the front door lives elsewhere). */
export const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  connectSrc: ["'self'", 'ws:', 'wss:'],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  frameAncestors: ["'none'"],
};

/**
 * The page: static assets of WEB_ROOT under `/` and, in development auth mode,
 * `GET /api/home?name=…` (the page reads `name` from its URL and negotiates).
 * Security headers apply to this plugin's routes only, not to the upstream.
 */
export const webRoutes: FastifyPluginAsync<WebOptions> = async (app, { config }) => {
  await app.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    crossOriginOpenerPolicy: { policy: 'same-origin' },
  });
  await app.register(fastifyStatic, { root: config.webRoot, prefix: '/', index: ['index.html'] });

  if (config.auth.mode !== 'development') return;
  app.get('/api/home', async (request, reply) => {
    const name = (request.query as { name?: unknown }).name;
    if (name !== undefined && !isUserName(name)) {
      throw new GatewayError(GatewayErrorCodes.nameInvalid, 'name must be 1–64 printable ASCII characters without outer spaces', 400);
    }
    try {
      await access(join(config.webRoot, 'index.html'));
    } catch {
      throw new GatewayError(GatewayErrorCodes.webNotBuilt, 'web/ is not built: run npm run build -w web', 503);
    }
    reply.header('cache-control', 'no-store');
    return reply.sendFile('index.html');
  });
};
