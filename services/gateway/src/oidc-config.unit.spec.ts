import { describe, expect, it } from 'vitest';
import { ConfigError } from '@parley/service-kit';
import { loadConfig } from './config.js';
import { testEnv } from './testing/support.js';

const OIDC = { AUTH_MODE: 'oidc', OIDC_JWKS_URL: 'https://idp.test/keys', OIDC_ISSUER: 'https://idp.test/v2.0', OIDC_API_AUDIENCE: 'api://parley', OIDC_CLIENT_ID: 'parley-web', OIDC_REQUIRED_SCOPE: 'chat' };
const failure = (overrides: Record<string, string>): string => {
  try {
    loadConfig(testEnv({ ...OIDC, ...overrides }));
  } catch (error) {
    if (error instanceof ConfigError) return `${error.variable}: ${error.message}`;
    throw error;
  }
  return 'accepted';
};

describe('oidc settings', () => {
  it('takes the page sign-in settings from OIDC_AUTHORITY, OIDC_CLIENT_ID and OIDC_SCOPES', () => {
    const config = loadConfig(
      testEnv({ ...OIDC, OIDC_AUTHORITY: 'https://login.test/t/v2.0', OIDC_CLIENT_ID: 'parley-web', OIDC_SCOPES: 'openid profile api://parley/chat', OIDC_USER_CLAIM: 'oid', OIDC_ALGORITHMS: 'RS256, PS256' }),
    );
    expect(config.auth.oidc).toMatchObject({
      authority: 'https://login.test/t/v2.0', clientId: 'parley-web', scopes: 'openid profile api://parley/chat', userClaim: 'oid', algorithms: ['RS256', 'PS256'],
    });
  });

  it.each([
    ['a shared-secret algorithm', { OIDC_ALGORITHMS: 'RS256,HS256' }, /^OIDC_ALGORITHMS: .*refused "HS256"/],
    ['the none algorithm', { OIDC_ALGORITHMS: 'none' }, /^OIDC_ALGORITHMS/],
    ['an empty algorithm list', { OIDC_ALGORITHMS: ' , ' }, /^OIDC_ALGORITHMS/],
    ['a user claim that is no claim name', { OIDC_USER_CLAIM: 'sub; drop' }, /^OIDC_USER_CLAIM/],
    ['scopes without openid', { OIDC_SCOPES: 'profile' }, /^OIDC_SCOPES/],
    ['an authority that is no URL', { OIDC_AUTHORITY: 'login' }, /^OIDC_AUTHORITY/],
  ])('refuses %s, naming the variable', (_what, overrides, message) => {
    expect(failure(overrides)).toMatch(message);
  });
});
