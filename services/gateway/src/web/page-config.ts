import type { FastifyPluginAsync } from 'fastify';
import type { GatewayConfig } from '../config.js';

export interface ConfigOptions {
  config: GatewayConfig;
}

/** What the page needs to sign in, so one build of it serves every environment. */
export type PageConfig =
  | { readonly auth: 'development' }
  | { readonly auth: 'oidc'; readonly authority: string; readonly clientId: string; readonly scopes: string };

export function pageConfig(config: GatewayConfig): PageConfig {
  const oidc = config.auth.oidc;
  if (config.auth.mode !== 'oidc' || !oidc) return { auth: 'development' };
  return { auth: 'oidc', authority: oidc.authority, clientId: oidc.clientId, scopes: oidc.scopes };
}

/**
 * `GET /api/config`: the page's sign-in settings (public values only: the
 * client is public, PKCE protects its code). Also where development mode says
 * loudly, once at start, that anyone can sign in as anyone.
 */
export const configRoutes: FastifyPluginAsync<ConfigOptions> = async (app, { config }) => {
  if (config.auth.mode === 'development') {
    app.log.warn(
      { authMode: 'development', code: 'PARLEY_GATEWAY_DEVELOPMENT_SIGN_IN' },
      'DEVELOPMENT SIGN-IN IS ON: anyone can connect under any name they type. Never expose this gateway; set AUTH_MODE=oidc for any shared or public deployment.',
    );
  }
  const answer = pageConfig(config);
  app.get('/api/config', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    return answer;
  });
};
