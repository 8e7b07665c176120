import { ConfigError, type EnvReader } from '@parley/service-kit';
import type { OidcConfig } from './config.js';

/**
 * Asymmetric JWS algorithms only: a provider's token is checked against its
 * published public keys, so HS* (a shared secret) and `none` never qualify.
 */
export const ASYMMETRIC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;

const CLAIM_NAME = /^[A-Za-z_][\w.:-]{0,63}$/;

/** The `OIDC_*` variables of oidc mode, validated (docs/style.md §4); a bad value names its variable. */
export function readOidcConfig(env: EnvReader): OidcConfig {
  const jwksUrl = env.url('OIDC_JWKS_URL');
  const issuer = env.string('OIDC_ISSUER');
  // Renamed so that no deployment keeps an audience that also admits the page's ID token by accident.
  if (env.optionalString('OIDC_AUDIENCE') !== undefined) {
    throw new ConfigError('OIDC_AUDIENCE', 'was renamed OIDC_API_AUDIENCE: the audience of the API\'s access tokens (Entra ID v2: the API app\'s client id)');
  }
  const audience = env.string('OIDC_API_AUDIENCE');
  const requiredScope = env.string('OIDC_REQUIRED_SCOPE');
  if (!SCOPE_VALUE.test(requiredScope)) {
    throw new ConfigError('OIDC_REQUIRED_SCOPE', `must be one scope or app role value as the token carries it (e.g. chat, Chat.Use), got "${requiredScope}"`);
  }
  const userClaim = claimName(env, 'OIDC_USER_CLAIM', 'sub');
  const nameClaim = claimName(env, 'OIDC_NAME_CLAIM', 'name');
  const algorithms = env
    .string('OIDC_ALGORITHMS', 'RS256')
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  const refused = algorithms.filter((a) => !(ASYMMETRIC_ALGORITHMS as readonly string[]).includes(a));
  if (algorithms.length === 0 || refused.length > 0) {
    throw new ConfigError('OIDC_ALGORITHMS', `must list asymmetric algorithms among ${ASYMMETRIC_ALGORITHMS.join(', ')}; refused "${refused.join(',')}"`);
  }
  const scopes = env.string('OIDC_SCOPES', 'openid profile offline_access');
  if (!scopes.split(/\s+/).includes('openid')) throw new ConfigError('OIDC_SCOPES', `must include openid, got "${scopes}"`);
  return {
    jwksUrl,
    issuer,
    audience,
    requiredScope,
    userClaim,
    nameClaim,
    algorithms: Object.freeze(algorithms),
    // The page's sign-in (GET /api/config). Entra ID: the authority is the v2.0 issuer.
    authority: env.url('OIDC_AUTHORITY', issuer),
    clientId: env.string('OIDC_CLIENT_ID'),
    scopes,
  };
}

/** One scope value as `scp`/`scope` (space-separated) or one app role as `roles` carries it. */
const SCOPE_VALUE = /^[\x21-\x7e]{1,128}$/;

function claimName(env: EnvReader, variable: string, fallback: string): string {
  const claim = env.string(variable, fallback);
  if (!CLAIM_NAME.test(claim)) throw new ConfigError(variable, `must be a claim name such as sub, oid or name, got "${claim}"`);
  return claim;
}
