import { errors, jwtVerify } from 'jose';
import type { IncomingMessage } from 'node:http';
import { ErrorCodes, type ErrorCode } from '../errors.js';

export type AuthResult = { readonly ok: true } | { readonly ok: false; readonly code: ErrorCode; readonly reason: string };

const HOST = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/;
const CACHE_LIMIT = 10_000;

/**
 * The audiences a token may name for a request: the request URL without its
 * query, with or without the port, as http or https (a TLS proxy in front
 * changes only the scheme).
 */
export function audiencesFor(req: IncomingMessage, path: string): string[] {
  const host = req.headers.host ?? '';
  const m = HOST.exec(host);
  const hosts = m && m[2] ? [host, m[1] as string] : [host];
  return hosts.flatMap((h) => [`http://${h}${path}`, `https://${h}${path}`]);
}

/**
 * Verifies `Authorization: Bearer <JWT>`: HS256 with either access key, an
 * `aud` among the given audiences and a future `exp`. Tokens are usually
 * reused for a while, so verified (token, audience) pairs are remembered until
 * they expire.
 */
export class JwtVerifier {
  private readonly keys: Uint8Array[];
  private readonly verified = new Map<string, number>();

  constructor(accessKeys: readonly string[]) {
    this.keys = accessKeys.map((key) => new TextEncoder().encode(key));
  }

  async verify(authorization: string | undefined, audiences: readonly string[]): Promise<AuthResult> {
    if (!authorization) return fail(ErrorCodes.authMissing, 'the Authorization header is missing');
    const m = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
    if (!m) return fail(ErrorCodes.authMissing, 'the Authorization header is not "Bearer <token>"');
    const token = m[1] as string;
    const now = Date.now() / 1000;
    for (const aud of audiences) {
      const exp = this.verified.get(`${aud}\n${token}`);
      if (exp !== undefined && exp > now) return { ok: true };
    }
    let last: AuthResult = fail(ErrorCodes.authSignature, 'the token is not signed with an access key of this service');
    for (const key of this.keys) {
      try {
        const { payload } = await jwtVerify(token, key, {
          algorithms: ['HS256'],
          audience: [...audiences],
          requiredClaims: ['exp'],
        });
        this.remember(token, payload.aud, payload.exp as number);
        return { ok: true };
      } catch (error) {
        last = explain(error, audiences);
        // Only a bad signature means "try the other key"; any other failure was found with a valid signature.
        if (!(error instanceof errors.JWSSignatureVerificationFailed)) return last;
      }
    }
    return last;
  }

  private remember(token: string, aud: string | string[] | undefined, exp: number): void {
    if (this.verified.size >= CACHE_LIMIT) this.verified.clear();
    for (const a of Array.isArray(aud) ? aud : aud ? [aud] : []) this.verified.set(`${a}\n${token}`, exp);
  }
}

function fail(code: ErrorCode, reason: string): AuthResult {
  return { ok: false, code, reason };
}

function explain(error: unknown, audiences: readonly string[]): AuthResult {
  if (error instanceof errors.JWTExpired) return fail(ErrorCodes.authExpired, 'the token has expired');
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return fail(ErrorCodes.authSignature, 'the token is not signed with an access key of this service');
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') return fail(ErrorCodes.authAudience, `the token's aud must be the request URL without query, e.g. ${audiences[0]}`);
    if (error.claim === 'exp') return fail(ErrorCodes.authInvalid, 'the token has no exp claim');
    return fail(ErrorCodes.authInvalid, `the token's ${error.claim} claim is invalid (${error.reason})`);
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return fail(ErrorCodes.authInvalid, 'the token must be signed with HS256');
  return fail(ErrorCodes.authInvalid, `the token is malformed (${(error as Error).message})`);
}
