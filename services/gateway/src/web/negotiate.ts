import type { FastifyPluginAsync } from 'fastify';
import { ErrorCodes } from '@parley/contracts';
import type { GatewayConfig } from '../config.js';
import { GatewayError, GatewayErrorCodes } from '../errors.js';
import type { ClientEndpoint } from '../edges/client-endpoint.js';
import { isUserName, type TokenIdentity, type TokenVerifier } from '../tokens.js';

export interface NegotiateOptions {
  config: GatewayConfig;
  /** The dialect's client URL and token (edges/client-endpoint.ts). */
  endpoint: ClientEndpoint;
  /** The OIDC bearer verifier; required in oidc mode. */
  oidc?: TokenVerifier;
  /** Publishes the signed-in user's display name (`chat.profile`); resolves once the bus accepted it. */
  profiles: { profile(userId: string, name: string, traceparent?: string): Promise<void> };
}

export interface NegotiateAnswer {
  readonly url: string;
  readonly accessToken: string;
  /** ISO time. */
  readonly expiresAt: string;
  readonly user: string;
  /** The name to show (oidc: `OIDC_NAME_CLAIM`); absent when the provider gave none. */
  readonly displayName?: string;
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * `POST /api/negotiate`: the WebSocket URL and a token for the signed-in user:
 * the gateway's own token on the seed dialect, a Web PubSub client token
 * (`sub` = the user) on Web PubSub. Development: the user is the `name` of the JSON body.
 * oidc: the user and the name shown come from a verified `Authorization: Bearer`
 * access token for the API; the gateway's own token carries the name as `name`.
 */
export const negotiateRoutes: FastifyPluginAsync<NegotiateOptions> = async (app, options) => {
  const { config } = options;

  async function identityOf(headers: Record<string, unknown>, body: unknown): Promise<TokenIdentity> {
    if (config.auth.mode === 'development') {
      const name = (body as { name?: unknown } | null | undefined)?.name;
      if (!isUserName(name)) {
        throw new GatewayError(GatewayErrorCodes.nameInvalid, 'name must be 1–64 printable ASCII characters without outer spaces');
      }
      return { user: name };
    }
    const authorization = typeof headers.authorization === 'string' ? headers.authorization : undefined;
    if (!authorization) throw new GatewayError(ErrorCodes.tokenMissing, 'Authorization: Bearer <token> is required');
    const match = BEARER.exec(authorization);
    if (!match) throw new GatewayError(ErrorCodes.tokenInvalid, 'Authorization must be a Bearer token');
    const check = await options.oidc!.verify(match[1]);
    if (!check.ok) throw GatewayError.from(check.error);
    return check.value;
  }

  app.post('/api/negotiate', { bodyLimit: 4096 }, async (request, reply): Promise<NegotiateAnswer> => {
    const identity = await identityOf(request.headers, request.body);
    // Development: the typed name is the id and the name. oidc: OIDC_NAME_CLAIM, when the token has it.
    const name = identity.displayName ?? (config.auth.mode === 'development' ? identity.user : undefined);
    const traceparent = typeof request.headers.traceparent === 'string' ? request.headers.traceparent : undefined;
    if (name !== undefined) await options.profiles.profile(identity.user, name, traceparent);
    const ticket = await options.endpoint.ticket(identity);
    reply.header('cache-control', 'no-store');
    return { url: ticket.url, accessToken: ticket.token, expiresAt: ticket.expiresAt, user: ticket.user, ...(ticket.displayName ? { displayName: ticket.displayName } : {}) };
  });
};
