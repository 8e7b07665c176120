import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';
import { ErrorCodes, verifySignature, type WebPubSubEventContext } from '@parley/contracts';
import { GatewayError, GatewayErrorCodes } from '../../errors.js';
import { reasonOf } from '../../tokens.js';
import type { HandlerEntraAuth, WebPubSubEdgeConfig } from '../../service-config.js';

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
 *   signature (RS256 only, by the tenant's JWKS), issuer, audience and expiry
 *   are checked, and then the caller: any principal of the tenant can get a
 *   token for our audience, so only the hub's identity is let through — its
 *   object id (`oid`) on the allow-list and/or the required app role in `roles`.
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
  const entra: HandlerEntraAuth = auth;
  const jwks = createRemoteJWKSet(new URL(entra.jwksUrl), { timeoutDuration: 5_000, cooldownDuration: 30_000 });
  async function verified(token: string): Promise<JWTPayload> {
    try {
      const { payload } = await jwtVerify(token, jwks, {
        // Entra ID signs with RS256; `none`, HS* (a guessable shared secret) and anything else are refused.
        algorithms: ['RS256'],
        issuer: [...entra.issuers],
        audience: entra.audience,
        requiredClaims: ['exp'],
        currentDate: new Date(now()),
      });
      return payload;
    } catch (error) {
      if (error instanceof errors.JWKSTimeout || !(error instanceof errors.JOSEError)) {
        throw new GatewayError(GatewayErrorCodes.jwksUnavailable, 'the Entra ID keys could not be fetched', { cause: error });
      }
      throw new GatewayError(GatewayErrorCodes.handlerUnauthorized, reasonOf(error));
    }
  }
  return async (_context, authorization) => {
    const token = authorization ? BEARER.exec(authorization)?.[1] : undefined;
    if (!token) throw new GatewayError(GatewayErrorCodes.handlerUnauthorized, 'the event handler needs the service\'s Entra ID bearer token');
    const refusal = callerRefusal(await verified(token), entra);
    if (refusal) throw new GatewayError(GatewayErrorCodes.handlerUnauthorized, refusal);
  };
}

/** Why a validly signed token of the tenant is still not the hub's, or undefined when it is. */
function callerRefusal(payload: JWTPayload, auth: HandlerEntraAuth): string | undefined {
  if (auth.allowedObjectIds.length > 0) {
    const oid = typeof payload.oid === 'string' ? payload.oid.toLowerCase() : undefined;
    if (!oid) return 'the token names no caller (claim "oid" is missing)';
    // The object id is not echoed: the 401 goes to whoever called.
    if (!auth.allowedObjectIds.includes(oid)) return 'the caller is not the Web PubSub service identity (object id not allowed)';
  }
  if (auth.requiredRole !== undefined) {
    const roles = Array.isArray(payload.roles) ? payload.roles : [];
    if (!roles.includes(auth.requiredRole)) return `the caller lacks the app role "${auth.requiredRole}"`;
  }
  return undefined;
}
