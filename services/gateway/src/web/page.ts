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

/**
 * The page may talk only to its own origin; `connect-src` is completed per
 * deployment by contentSecurityPolicy() with the one WebSocket service host.
 */
export const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  frameAncestors: ["'none'"],
};

/**
 * `connect-src`: the page's own origin, the origin of the WebSocket URL that
 * negotiate hands out (the front door or Web PubSub, `ws:`/`wss:` with host
 * and port) — not any socket anywhere, so injected script cannot open a
 * channel to a host of its choosing — and in oidc mode the identity
 * provider's origin (discovery, token and revocation endpoints, with fetch).
 * Sign-in and sign-out are top-level redirects and renewal uses the refresh
 * token, so no frame and no inline script is needed.
 */
export function contentSecurityPolicy(config: GatewayConfig): typeof CONTENT_SECURITY_POLICY {
  const connectSrc = [...CONTENT_SECURITY_POLICY.connectSrc, new URL(config.publicWsBase).origin];
  const authority = config.auth.mode === 'oidc' ? config.auth.oidc?.authority : undefined;
  if (authority) connectSrc.push(new URL(authority).origin);
  return { ...CONTENT_SECURITY_POLICY, connectSrc: [...new Set(connectSrc)] };
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
