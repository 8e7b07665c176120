import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, errors, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import { ErrorCodes, fail, Name, ok, type Result } from '@parley/contracts';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { GatewayError, GatewayErrorCodes } from './errors.js';
import type { OidcConfig } from './config.js';

/** Claims of the tokens the gateway issues for its own clients. */
export const GATEWAY_ISSUER = 'parley-gateway';
export const CLIENT_AUDIENCE = 'parley-chat';

export interface IssuedToken {
  readonly token: string;
  /** ISO time. */
  readonly expiresAt: string;
  readonly user: string;
  readonly displayName?: string;
}

/** Who a verified token names: the stable user id and, when the provider gave one, the name to show. */
export interface TokenIdentity {
  readonly user: string;
  readonly displayName?: string;
}

export type Clock = () => number;
export type TokenCheck = Result<TokenIdentity>;
export interface TokenVerifier {
  verify(token: string | undefined): Promise<TokenCheck>;
}

const nameCheck = TypeCompiler.Compile(Name);
// X-ASRS-User-Id is an HTTP header: printable ASCII only, no outer spaces (headers are trimmed).
const HEADER_SAFE = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

/** A user id the gateway can bind: the contracts' Name, and representable in X-ASRS-User-Id. */
export const isUserName = (value: unknown): value is string => nameCheck.Check(value) && HEADER_SAFE.test(value as string);

/** A name to show: the contracts' Name (1–64 characters, no control characters); any script. */
export const isDisplayName = (value: unknown): value is string => nameCheck.Check(value);

const encoder = new TextEncoder();

export function createTokenIssuer(options: { signingKey: string; ttlSeconds: number; now?: Clock }) {
  const key = encoder.encode(options.signingKey);
  const now = options.now ?? Date.now;
  return async function issue(user: string, displayName?: string): Promise<IssuedToken> {
    const issuedAt = Math.floor(now() / 1000);
    const expiresAt = issuedAt + options.ttlSeconds;
    const token = await new SignJWT(displayName ? { name: displayName } : {})
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(GATEWAY_ISSUER)
      .setAudience(CLIENT_AUDIENCE)
      .setSubject(user)
      .setIssuedAt(issuedAt)
      .setExpirationTime(expiresAt)
      .sign(key);
    return { token, expiresAt: new Date(expiresAt * 1000).toISOString(), user, ...(displayName ? { displayName } : {}) };
  };
}

/** The short-lived HS256 tokens this gateway issued (negotiate). */
export function createGatewayTokenVerifier(options: { signingKey: string; now?: Clock }): TokenVerifier {
  const key = encoder.encode(options.signingKey);
  const now = options.now ?? Date.now;
  return {
    async verify(token) {
      if (!token) return fail(ErrorCodes.tokenMissing, 'no access token');
      try {
        const { payload } = await jwtVerify(token, key, {
          algorithms: ['HS256'],
          issuer: GATEWAY_ISSUER,
          audience: CLIENT_AUDIENCE,
          requiredClaims: ['sub', 'exp'],
          currentDate: new Date(now()),
        });
        return identityFrom(payload, 'sub', 'name');
      } catch (error) {
        return rejected(error);
      }
    },
  };
}

/** Clock skew allowed between the provider and the gateway on `exp`, `nbf` and `iat`. */
export const CLOCK_TOLERANCE_SECONDS = 5;

/**
 * An OIDC provider's access tokens for this API: signature by its JWKS with an
 * allowed algorithm, issuer, the API's audience and expiry checked, then the
 * required scope (`scp`/`scope`) or app role (`roles`), which also refuses an
 * ID token (it carries none); the user id from the configured stable claim,
 * the name shown from the name claim.
 */
export function createOidcVerifier(oidc: OidcConfig, options: { now?: Clock } = {}): TokenVerifier {
  const jwks = createRemoteJWKSet(new URL(oidc.jwksUrl), { timeoutDuration: 5_000, cooldownDuration: 30_000 });
  const now = options.now ?? Date.now;
  return {
    async verify(token) {
      if (!token) return fail(ErrorCodes.tokenMissing, 'no bearer token');
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, jwks, {
          algorithms: [...oidc.algorithms],
          issuer: oidc.issuer,
          audience: oidc.audience,
          requiredClaims: ['exp'],
          currentDate: new Date(now()),
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
        }));
      } catch (error) {
        if (error instanceof errors.JWKSTimeout || !(error instanceof errors.JOSEError)) {
          // The provider's keys could not be fetched: our problem, not the caller's.
          throw new GatewayError(GatewayErrorCodes.jwksUnavailable, 'the identity provider keys could not be fetched');
        }
        if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'aud' && isIdTokenFor(token, oidc.clientId)) return idTokenRefused(oidc);
        return rejected(error);
      }
      if (looksLikeIdToken(payload)) return idTokenRefused(oidc);
      if (!grants(payload, oidc.requiredScope)) {
        return fail(ErrorCodes.tokenInvalid, `the access token lacks the scope or app role "${oidc.requiredScope}"`);
      }
      return identityFrom(payload, oidc.userClaim, oidc.nameClaim);
    },
  };
}

/** `scp` (Entra ID) or `scope` (RFC 9068), space-separated, or `roles` (app roles, an array). */
function grants(payload: JWTPayload, required: string): boolean {
  const delegated = [payload.scp, payload.scope].flatMap((value) => (typeof value === 'string' ? value.split(' ') : []));
  const roles = Array.isArray(payload.roles) ? payload.roles : [];
  return delegated.includes(required) || roles.includes(required);
}

/**
 * ID tokens say who signed in to the page, not that the API may be called:
 * `nonce` and `at_hash` belong only to them, and `token_use` says so where the
 * provider sets it. With one app registration for page and API their audience
 * can equal the API's, so the scope check above refuses them as well.
 */
function looksLikeIdToken(payload: JWTPayload): boolean {
  return payload.token_use === 'id' || 'nonce' in payload || 'at_hash' in payload;
}

/** An audience failure because the token is the page's ID token (audience = the page's client id). */
function isIdTokenFor(token: string, clientId: string): boolean {
  try {
    const { aud } = decodeJwt(token);
    return (Array.isArray(aud) ? aud : [aud]).includes(clientId);
  } catch {
    return false;
  }
}

function idTokenRefused(oidc: OidcConfig): TokenCheck {
  return fail(ErrorCodes.tokenInvalid, `an ID token is not accepted: send the access token for ${oidc.audience}`);
}

/**
 * What `connect` accepts: the gateway's own HS256 tokens, and in oidc mode also
 * the provider's tokens directly (told apart by the header's `alg`).
 */
export function createConnectVerifier(gateway: TokenVerifier, oidc?: TokenVerifier): TokenVerifier {
  return {
    async verify(token) {
      if (!token) return fail(ErrorCodes.tokenMissing, 'no access token');
      if (oidc && algOf(token) !== 'HS256') return oidc.verify(token);
      return gateway.verify(token);
    },
  };
}

function algOf(token: string): string | undefined {
  try {
    return decodeProtectedHeader(token).alg;
  } catch {
    return undefined;
  }
}

function identityFrom(payload: JWTPayload, userClaim: string, nameClaim: string): TokenCheck {
  const user = payload[userClaim];
  if (!isUserName(user)) return fail(ErrorCodes.tokenInvalid, `token claim "${userClaim}" is not a usable user name`);
  // The name only decorates: a missing or unusable one leaves the id to be shown.
  const claimed = payload[nameClaim];
  // Outer spaces are layout, not part of the name; control characters make it unusable.
  const displayName = typeof claimed === 'string' ? claimed.trim() : claimed;
  return ok(isDisplayName(displayName) ? { user, displayName } : { user });
}

function rejected(error: unknown): TokenCheck {
  return fail(ErrorCodes.tokenInvalid, reasonOf(error));
}

/** What a failed claim check means, in words the page can show. */
const CLAIM_HINTS: Record<string, string> = {
  iss: 'issued by another identity provider',
  aud: 'issued for another application (audience)',
  nbf: 'not valid yet',
  iat: 'issued in the future',
};

/** A short reason for the 401, without echoing the token. */
export function reasonOf(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'token expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.reason === 'missing') return `token claim "${error.claim}" is missing`;
    return `token claim "${error.claim}" check failed${CLAIM_HINTS[error.claim] ? `: ${CLAIM_HINTS[error.claim]}` : ''}`;
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'token signature is invalid';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'token algorithm is not allowed';
  if (error instanceof errors.JWKSNoMatchingKey) return 'no key of the identity provider matches the token';
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return 'token is malformed';
  if (error instanceof errors.JOSEError) return `token rejected (${error.code})`;
  return 'token rejected';
}
