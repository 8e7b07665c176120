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
 * In oidc mode the page also talks to the identity provider (discovery, token
 * and revocation endpoints, with fetch): its origin joins connect-src. Sign-in
 * and sign-out are top-level redirects and renewal uses the refresh token, so
 * no frame and no inline script is needed.
 */
export function contentSecurityPolicy(config: GatewayConfig): typeof CONTENT_SECURITY_POLICY {
  const authority = config.auth.mode === 'oidc' ? config.auth.oidc?.authority : undefined;
  if (!authority) return CONTENT_SECURITY_POLICY;
  return { ...CONTENT_SECURITY_POLICY, connectSrc: [...CONTENT_SECURITY_POLICY.connectSrc, new URL(authority).origin] };
}

/**
 * The page: static assets of WEB_ROOT under `/` and, in development auth mode,
 * `GET /api/home?name=…` (the page reads `name` from its URL and negotiates).
 * Security headers apply to this plugin's routes only, not to the upstream.
 */
export const webRoutes: FastifyPluginAsync<WebOptions> = async (app, { config }) => {
  await app.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: contentSecurityPolicy(config) },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    crossOriginOpenerPolicy: { policy: 'same-origin' },
  });
  await app.register(fastifyStatic, { root: config.webRoot, prefix: '/', index: ['index.html'] });

  if (config.auth.mode !== 'development') return;
  app.get('/api/home', async (request, reply) => {
    const name = (request.query as { name?: unknown }).name;
    if (name !== undefined && !isUserName(name)) {
      throw new GatewayError(GatewayErrorCodes.nameInvalid, 'name must be 1–64 printable ASCII characters without outer spaces');
    }
    try {
      await access(join(config.webRoot, 'index.html'));
    } catch {
      throw new GatewayError(GatewayErrorCodes.webNotBuilt, 'web/ is not built: run npm run build -w web');
    }
    reply.header('cache-control', 'no-store');
    return reply.sendFile('index.html');
  });
};
