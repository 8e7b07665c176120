import { describe, expect, it } from 'vitest';
import { ConfigError } from '@parley/service-kit';
import { DEFAULT_WEB_ROOT, loadConfig, toWsBase } from './config.js';
import { PRIMARY_KEY, SECONDARY_KEY, testEnv } from './testing/support.js';

const failure = (overrides: Record<string, string | undefined>) => {
  try {
    loadConfig(testEnv(overrides));
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error('expected a ConfigError');
};

describe('gateway config', () => {
  it('reads the defaults into one frozen object', () => {
    const config = loadConfig(testEnv({ PORT: undefined, LOG_LEVEL: undefined, SIGNALR_SECONDARY_KEY: undefined }));
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 7071,
      logLevel: 'info',
      hub: 'chat',
      partitions: 64,
      accessKeys: [PRIMARY_KEY],
      publicWsBase: 'ws://127.0.0.1:8888',
      auth: { mode: 'development', tokenTtlSeconds: 900 },
      rateLimit: { perSecond: 10, burst: 20 },
      maxFrameBytes: 16_384,
      webRoot: DEFAULT_WEB_ROOT,
      busSendTimeoutMs: 5_000,
      busBatchMode: 'mixed',
    });
    expect(DEFAULT_WEB_ROOT).toMatch(/web\/dist$/);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.auth)).toBe(true);
  });

  it('holds a token signing key only in the seed dialect, which issues its own client tokens', () => {
    expect(loadConfig(testEnv()).auth.signingKey).toMatch(/.{32,}/);
    const webPubSub = {
      WEBSOCKET_SERVICE: 'webpubsub',
      SIGNALR_CONNECTION_STRING: undefined,
      SIGNALR_SECONDARY_KEY: undefined,
      WEBPUBSUB_CONNECTION_STRING: 'Endpoint=https://parley.webpubsub.azure.com;AccessKey=k;Version=1.0;',
    };
    expect(loadConfig(testEnv({ ...webPubSub, TOKEN_SIGNING_KEY: undefined })).auth).not.toHaveProperty('signingKey');
    expect(loadConfig(testEnv({ ...webPubSub, TOKEN_SIGNING_KEY: 'short' })).auth).not.toHaveProperty('signingKey');
  });

  it('accepts the secondary key beside the primary one', () => {
    expect(loadConfig(testEnv()).accessKeys).toEqual([PRIMARY_KEY, SECONDARY_KEY]);
  });

  it('derives the WebSocket base from the connection string or SIGNALR_PUBLIC_URL', () => {
    expect(toWsBase('https://x.service.signalr.net')).toBe('wss://x.service.signalr.net');
    expect(toWsBase('http://localhost:8888/')).toBe('ws://localhost:8888');
    expect(loadConfig(testEnv({ SIGNALR_PUBLIC_URL: 'https://chat.example.org/front' })).publicWsBase).toBe('wss://chat.example.org/front');
  });

  it('requires the oidc settings in oidc mode', () => {
    expect(failure({ AUTH_MODE: 'oidc' })).toMatch(/^OIDC_JWKS_URL/);
    expect(failure({ AUTH_MODE: 'oidc', OIDC_JWKS_URL: 'https://idp/jwks' })).toMatch(/^OIDC_ISSUER/);
    const idp = { AUTH_MODE: 'oidc', OIDC_JWKS_URL: 'https://idp/jwks', OIDC_ISSUER: 'https://idp' };
    expect(failure(idp)).toMatch(/^OIDC_API_AUDIENCE/);
    expect(failure({ ...idp, OIDC_API_AUDIENCE: 'parley' })).toMatch(/^OIDC_REQUIRED_SCOPE/);
    expect(failure({ ...idp, OIDC_API_AUDIENCE: 'parley', OIDC_REQUIRED_SCOPE: 'chat' })).toMatch(/^OIDC_CLIENT_ID/);
    expect(failure({ ...idp, OIDC_AUDIENCE: 'parley' })).toMatch(/^OIDC_AUDIENCE: was renamed OIDC_API_AUDIENCE/);
    const config = loadConfig(testEnv({ ...idp, OIDC_API_AUDIENCE: 'parley', OIDC_REQUIRED_SCOPE: 'chat', OIDC_CLIENT_ID: 'parley-web' }));
    expect(config.auth.oidc).toEqual({
      jwksUrl: 'https://idp/jwks', issuer: 'https://idp', audience: 'parley', requiredScope: 'chat', userClaim: 'sub', nameClaim: 'name', algorithms: ['RS256'],
      authority: 'https://idp', clientId: 'parley-web', scopes: 'openid profile offline_access',
    });
  });

  const bad: Array<[string, Record<string, string | undefined>]> = [
    ['TOKEN_SIGNING_KEY', { TOKEN_SIGNING_KEY: undefined }],
    ['TOKEN_SIGNING_KEY', { TOKEN_SIGNING_KEY: 'short' }],
    ['SIGNALR_CONNECTION_STRING', { SIGNALR_CONNECTION_STRING: undefined }],
    ['SIGNALR_CONNECTION_STRING', { SIGNALR_CONNECTION_STRING: 'Endpoint=http://x;Version=1.0' }],
    ['SIGNALR_PUBLIC_URL', { SIGNALR_PUBLIC_URL: 'ftp://x' }],
    ['SERVICEBUS_CONNECTION_STRING', { SERVICEBUS_CONNECTION_STRING: undefined }],
    ['AUTH_MODE', { AUTH_MODE: 'magic' }],
    ['AUTH_MODE', { AUTH_MODE: undefined }],
    ['AUTH_MODE', { AUTH_MODE: ' ' }],
    ['RATE_LIMIT_PER_SECOND', { RATE_LIMIT_PER_SECOND: '0' }],
    ['RATE_LIMIT_BURST', { RATE_LIMIT_BURST: 'many' }],
    ['MAX_FRAME_BYTES', { MAX_FRAME_BYTES: '10' }],
    ['PARTITIONS', { PARTITIONS: '0' }],
    ['PORT', { PORT: '70000' }],
    ['BUS_BATCH_MODE', { BUS_BATCH_MODE: 'huge' }],
    ['BUS_SEND_TIMEOUT_MS', { BUS_SEND_TIMEOUT_MS: '5' }],
    ['OIDC_JWKS_URL', { AUTH_MODE: 'oidc', OIDC_JWKS_URL: 'not a url', OIDC_ISSUER: 'i', OIDC_API_AUDIENCE: 'a', OIDC_REQUIRED_SCOPE: 'chat', OIDC_CLIENT_ID: 'c' }],
  ];
  for (const [variable, overrides] of bad) {
    it(`stops with a message naming ${variable} (${JSON.stringify(overrides)})`, () => {
      expect(failure(overrides).startsWith(`${variable}:`)).toBe(true);
    });
  }

  it('accepts SERVICEBUS_NAMESPACE instead of a connection string', () => {
    const config = loadConfig(testEnv({ SERVICEBUS_CONNECTION_STRING: undefined, SERVICEBUS_NAMESPACE: 'parley.servicebus.windows.net' }));
    expect(config.bus).toEqual({ kind: 'namespace', namespace: 'parley.servicebus.windows.net' });
  });
});
