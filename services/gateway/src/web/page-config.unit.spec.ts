import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createLogger } from '@parley/service-kit';
import { testApp, testConfig } from '../testing/support.js';

const OIDC = {
  AUTH_MODE: 'oidc', OIDC_JWKS_URL: 'https://login.test/t/keys', OIDC_ISSUER: 'https://login.test/t/v2.0', OIDC_API_AUDIENCE: 'api://parley', OIDC_REQUIRED_SCOPE: 'chat',
  OIDC_CLIENT_ID: 'parley-web', OIDC_SCOPES: 'openid profile chat',
};

let app: FastifyInstance | undefined;
afterEach(async () => app?.close());

describe('GET /api/config', () => {
  it('tells the page to use development sign-in in development mode', async () => {
    ({ app } = await testApp(testConfig()));
    const response = await app.inject({ method: 'GET', url: '/api/config' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.json()).toEqual({ auth: 'development' });
  });

  it('warns loudly at start in development mode, and not in oidc mode', async () => {
    const capture = () => {
      const seen: unknown[][] = [];
      const logger = createLogger('gateway-test', 'warn', {
        hooks: {
          logMethod(args, method) {
            seen.push(args);
            return method.apply(this, args);
          },
        },
        enabled: true,
      });
      return { logger, seen };
    };
    const development = capture();
    ({ app } = await testApp(testConfig(), { logger: development.logger }));
    expect(JSON.stringify(development.seen)).toContain('PARLEY_GATEWAY_DEVELOPMENT_SIGN_IN');
    await app.close();
    const oidc = capture();
    ({ app } = await testApp(testConfig(OIDC), { logger: oidc.logger }));
    expect(JSON.stringify(oidc.seen)).not.toContain('PARLEY_GATEWAY_DEVELOPMENT_SIGN_IN');
  });

  it('gives the page the authority, its client id and scopes in oidc mode, and lets it reach the authority', async () => {
    ({ app } = await testApp(testConfig(OIDC)));
    const response = await app.inject({ method: 'GET', url: '/api/config' });
    expect(response.json()).toEqual({ auth: 'oidc', authority: 'https://login.test/t/v2.0', clientId: 'parley-web', scopes: 'openid profile chat' });
    // The page itself: its CSP lets it fetch from the authority's origin, and nothing else new.
    const page = await app.inject({ method: 'GET', url: '/' });
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("connect-src 'self' ws://127.0.0.1:8888 https://login.test;");
    expect(csp).toContain("script-src 'self';");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
  });
});
