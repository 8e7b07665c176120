import { createRemoteJWKSet, decodeProtectedHeader, errors, jwtVerify, SignJWT, type JWTPayload } from 'jose';
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
}

export type Clock = () => number;
export type TokenCheck = Result<{ user: string }>;
export interface TokenVerifier {
  verify(token: string | undefined): Promise<TokenCheck>;
}

const nameCheck = TypeCompiler.Compile(Name);
// X-ASRS-User-Id is an HTTP header: printable ASCII only, no outer spaces (headers are trimmed).
const HEADER_SAFE = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

/** A user id the gateway can bind: the contracts' Name, and representable in X-ASRS-User-Id. */
export const isUserName = (value: unknown): value is string => nameCheck.Check(value) && HEADER_SAFE.test(value as string);

const encoder = new TextEncoder();

export function createTokenIssuer(options: { signingKey: string; ttlSeconds: number; now?: Clock }) {
  const key = encoder.encode(options.signingKey);
  const now = options.now ?? Date.now;
  return async function issue(user: string): Promise<IssuedToken> {
    const issuedAt = Math.floor(now() / 1000);
    const expiresAt = issuedAt + options.ttlSeconds;
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(GATEWAY_ISSUER)
      .setAudience(CLIENT_AUDIENCE)
      .setSubject(user)
      .setIssuedAt(issuedAt)
      .setExpirationTime(expiresAt)
      .sign(key);
    return { token, expiresAt: new Date(expiresAt * 1000).toISOString(), user };
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
        return userFrom(payload, 'sub');
      } catch (error) {
        return rejected(error);
      }
    },
  };
}

/** Clock skew allowed between the provider and the gateway on `exp`, `nbf` and `iat`. */
export const CLOCK_TOLERANCE_SECONDS = 5;

/**
 * An OIDC provider's tokens: signature by its JWKS with an allowed algorithm,
 * issuer, audience and expiry checked, the user id from the configured claim.
 */
export function createOidcVerifier(oidc: OidcConfig, options: { now?: Clock } = {}): TokenVerifier {
  const jwks = createRemoteJWKSet(new URL(oidc.jwksUrl), { timeoutDuration: 5_000, cooldownDuration: 30_000 });
  const now = options.now ?? Date.now;
  return {
    async verify(token) {
      if (!token) return fail(ErrorCodes.tokenMissing, 'no bearer token');
      try {
        const { payload } = await jwtVerify(token, jwks, {
          algorithms: [...oidc.algorithms],
          issuer: oidc.issuer,
          audience: oidc.audience,
          requiredClaims: ['exp'],
          currentDate: new Date(now()),
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
        });
        return userFrom(payload, oidc.userClaim);
      } catch (error) {
        if (error instanceof errors.JWKSTimeout || !(error instanceof errors.JOSEError)) {
          // The provider's keys could not be fetched: our problem, not the caller's.
          throw new GatewayError(GatewayErrorCodes.jwksUnavailable, 'the identity provider keys could not be fetched');
        }
        return rejected(error);
      }
    },
  };
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

function userFrom(payload: JWTPayload, claim: string): TokenCheck {
  const user = payload[claim];
  if (!isUserName(user)) return fail(ErrorCodes.tokenInvalid, `token claim "${claim}" is not a usable user name`);
  return ok({ user });
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
