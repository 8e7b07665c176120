import { createRemoteJWKSet, errors, jwtVerify } from 'jose';
import { ErrorCodes, verifySignature, type WebPubSubEventContext } from '@parley/contracts';
import { GatewayError, GatewayErrorCodes } from '../errors.js';
import { reasonOf } from '../tokens.js';
import type { WebPubSubEdgeConfig } from './service-config.js';

/** Throws the coded 401 (or 503) unless the event-handler call is the service's. */
export type HandlerCheck = (context: WebPubSubEventContext, authorization: string | undefined) => Promise<void>;

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * How Parley's Web PubSub event handler knows a call comes from the service:
 *
 * - `signature`: `ce-signature` = `sha256=` HMAC of the connection id per access
 *   key; any value matching the primary or the secondary key passes, each pair
 *   compared in constant time (contracts' verifySignature).
 * - `entra`: no key is known (Entra ID only), so the hub's event handler is
 *   configured with managed-identity auth and the service sends
 *   `Authorization: Bearer` with an Entra ID token for our resource; its
 *   signature (tenant JWKS), issuer and audience are checked.
 */
export function createHandlerCheck(auth: WebPubSubEdgeConfig['handlerAuth'], accessKeys: readonly string[], now: () => number = Date.now): HandlerCheck {
  if (auth.kind === 'signature') {
    return async (context) => {
      if (!context.signature) throw new GatewayError(ErrorCodes.signatureMissing, 'ce-signature is missing');
      if (!verifySignature(context.signature, context.connectionId, accessKeys)) {
        throw new GatewayError(ErrorCodes.signatureInvalid, 'ce-signature matches none of the access keys');
      }
    };
  }
  const jwks = createRemoteJWKSet(new URL(auth.jwksUrl), { timeoutDuration: 5_000, cooldownDuration: 30_000 });
  return async (_context, authorization) => {
    const token = authorization ? BEARER.exec(authorization)?.[1] : undefined;
    if (!token) throw new GatewayError(GatewayErrorCodes.handlerUnauthorized, 'the event handler needs the service\'s Entra ID bearer token');
    try {
      await jwtVerify(token, jwks, { issuer: [...auth.issuers], audience: auth.audience, requiredClaims: ['exp'], currentDate: new Date(now()) });
    } catch (error) {
      if (error instanceof errors.JWKSTimeout || !(error instanceof errors.JOSEError)) {
        throw new GatewayError(GatewayErrorCodes.jwksUnavailable, 'the Entra ID keys could not be fetched', { cause: error });
      }
      throw new GatewayError(GatewayErrorCodes.handlerUnauthorized, reasonOf(error));
    }
  };
}
