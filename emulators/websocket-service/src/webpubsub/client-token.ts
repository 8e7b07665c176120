import { errors, jwtVerify, type JWTPayload } from 'jose';
import type { IncomingMessage } from 'node:http';

/** What a verified client access token says about the connection (docs/protocols.md §2, "Clients"). */
export interface ClientIdentity {
  readonly userId: string | undefined;
  readonly roles: readonly string[];
  readonly groups: readonly string[];
  /** Every claim as a list of strings: the `claims` of the connect event. */
  readonly claims: Record<string, string[]>;
}

export type TokenResult = { readonly ok: true; readonly identity: ClientIdentity } | { readonly ok: false; readonly message: string };

const HOST = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/;

/** `aud` may be the http or https client URL of the hub, with or without the port; compared case-insensitively. */
export function clientAudiences(req: IncomingMessage, hub: string): Set<string> {
  const host = req.headers.host ?? '';
  const m = HOST.exec(host);
  const hosts = m && m[2] ? [host, m[1] as string] : [host];
  const out = new Set<string>();
  for (const h of hosts) {
    for (const scheme of ['http', 'https']) {
      out.add(`${scheme}://${h}/client/hubs/${hub}`.toLowerCase());
      out.add(`${scheme}://${h}/client/hubs/${hub}/`.toLowerCase());
    }
  }
  return out;
}

function strings(value: unknown): string[] {
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
  if (value === undefined || value === null) return [];
  return [typeof value === 'string' ? value : JSON.stringify(value)];
}

function identityOf(payload: JWTPayload): ClientIdentity {
  const claims: Record<string, string[]> = {};
  for (const [key, value] of Object.entries(payload)) claims[key] = strings(value);
  return {
    userId: typeof payload.sub === 'string' && payload.sub !== '' ? payload.sub : undefined,
    roles: strings(payload.role),
    groups: strings(payload['webpubsub.group']),
    claims,
  };
}

/** The token of a handshake: `access_token` in the query, else `Authorization: Bearer`. */
export function tokenOf(req: IncomingMessage, query: URLSearchParams): string | undefined {
  const fromQuery = query.get('access_token');
  if (fromQuery) return fromQuery;
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization?.trim() ?? '');
  return m?.[1];
}

/** HS256 with either key, `aud` among `audiences`, `exp` in the future (checked at connect only). */
export async function verifyClientToken(token: string | undefined, keys: readonly Uint8Array[], audiences: ReadonlySet<string>): Promise<TokenResult> {
  if (!token) return { ok: false, message: 'an access token is required (access_token query parameter or Authorization: Bearer)' };
  let last = 'the access token is not signed with an access key of this service';
  for (const key of keys) {
    try {
      const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'], requiredClaims: ['exp'] });
      const auds = strings(payload.aud).map((a) => a.toLowerCase());
      if (!auds.some((a) => audiences.has(a))) {
        return { ok: false, message: `the access token's aud must be the client URL, e.g. ${[...audiences][0] ?? ''}` };
      }
      return { ok: true, identity: identityOf(payload) };
    } catch (error) {
      if (error instanceof errors.JWSSignatureVerificationFailed) continue;
      if (error instanceof errors.JWTExpired) return { ok: false, message: 'the access token has expired' };
      if (error instanceof errors.JWTClaimValidationFailed) last = `the access token's ${error.claim} claim is invalid (${error.reason})`;
      else if (error instanceof errors.JOSEAlgNotAllowed) last = 'the access token must be signed with HS256';
      else last = `the access token is malformed (${(error as Error).message})`;
      return { ok: false, message: last };
    }
  }
  return { ok: false, message: last };
}
