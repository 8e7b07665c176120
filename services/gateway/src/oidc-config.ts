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
  const audience = env.string('OIDC_AUDIENCE');
  const userClaim = env.string('OIDC_USER_CLAIM', 'sub');
  if (!CLAIM_NAME.test(userClaim)) throw new ConfigError('OIDC_USER_CLAIM', `must be a claim name such as sub, oid or preferred_username, got "${userClaim}"`);
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
    userClaim,
    algorithms: Object.freeze(algorithms),
    // The page's sign-in (GET /api/config). Entra ID: the authority is the v2.0 issuer and,
    // with one app registration for page and API, the client id is the audience.
    authority: env.url('OIDC_AUTHORITY', issuer),
    clientId: env.string('OIDC_CLIENT_ID', audience),
    scopes,
  };
}
