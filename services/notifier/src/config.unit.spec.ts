import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

const base = {
  SIGNALR_CONNECTION_STRING: 'Endpoint=http://localhost;Port=8888;AccessKey=parley-dev-primary-key-0123456789abcdef;Version=1.0;',
  SERVICEBUS_CONNECTION_STRING: 'Endpoint=sb://127.0.0.1:5672;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=x;UseDevelopmentEmulator=true;',
};

describe('loadConfig', () => {
  it('applies the documented defaults and freezes the result', () => {
    const config = loadConfig(base);
    expect(config).toMatchObject({
      service: { dialect: 'signalr', baseUrl: 'http://localhost:8888', accessKeys: ['parley-dev-primary-key-0123456789abcdef'], credential: 'key' },
      bus: { kind: 'connectionString' },
      maxConcurrentSessions: 64,
      listen: { host: '127.0.0.1', port: 7073 },
      logLevel: 'info',
      requestTimeoutMs: 5_000,
      retry: { maxAttempts: 5, baseMs: 100, maxDelayMs: 10_000 },
      httpConnections: 32,
      coalesce: { maxFrames: 32, maxBodyBytes: 256 * 1024 },
    });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.coalesce)).toBe(true);
    expect(Object.isFrozen(config.retry)).toBe(true);
  });

  it('reads every override', () => {
    const config = loadConfig({
      ...base,
      MAX_CONCURRENT_SESSIONS: '4',
      PORT: '0',
      HOST: '0.0.0.0',
      LOG_LEVEL: 'debug',
      REQUEST_TIMEOUT_MS: '250',
      RETRY_MAX_ATTEMPTS: '2',
      RETRY_BASE_MS: '10',
      RETRY_MAX_DELAY_MS: '20',
      HTTP_CONNECTIONS: '8',
      MAX_FRAMES_PER_CALL: '1',
      MAX_BODY_BYTES_PER_CALL: '4096',
    });
    expect(config).toMatchObject({
      maxConcurrentSessions: 4,
      listen: { host: '0.0.0.0', port: 0 },
      logLevel: 'debug',
      requestTimeoutMs: 250,
      retry: { maxAttempts: 2, baseMs: 10, maxDelayMs: 20 },
      httpConnections: 8,
      coalesce: { maxFrames: 1, maxBodyBytes: 4096 },
    });
  });

  it('reads Web PubSub by connection string (key) or by endpoint (Microsoft Entra ID)', () => {
    const byKey = loadConfig({ ...base, WEBSOCKET_SERVICE: 'webpubsub', WEBPUBSUB_CONNECTION_STRING: 'Endpoint=http://127.0.0.1;Port=8080;AccessKey=k1;Version=1.0;' });
    expect(byKey.service).toEqual({ dialect: 'webpubsub', baseUrl: 'http://127.0.0.1:8080', accessKeys: ['k1'], credential: 'key' });
    const byEntra = loadConfig({ ...base, WEBSOCKET_SERVICE: 'webpubsub', WEBPUBSUB_ENDPOINT: 'https://parley.webpubsub.azure.com/' });
    expect(byEntra.service).toEqual({ dialect: 'webpubsub', baseUrl: 'https://parley.webpubsub.azure.com', accessKeys: [], credential: 'entra' });
  });

  it.each([
    [{ SIGNALR_CONNECTION_STRING: undefined }, /SIGNALR_CONNECTION_STRING: is required/],
    [{ SIGNALR_CONNECTION_STRING: 'Endpoint=http://x;Port=8888' }, /SIGNALR_CONNECTION_STRING: .*AccessKey/],
    [{ SERVICEBUS_CONNECTION_STRING: undefined }, /SERVICEBUS_CONNECTION_STRING/],
    [{ MAX_CONCURRENT_SESSIONS: '0' }, /MAX_CONCURRENT_SESSIONS: must be between/],
    [{ RETRY_MAX_ATTEMPTS: 'many' }, /RETRY_MAX_ATTEMPTS: must be an integer/],
    [{ RETRY_BASE_MS: '500', RETRY_MAX_DELAY_MS: '100' }, /RETRY_MAX_DELAY_MS: must be at least RETRY_BASE_MS/],
    [{ MAX_FRAMES_PER_CALL: '0' }, /MAX_FRAMES_PER_CALL: must be between/],
    [{ MAX_BODY_BYTES_PER_CALL: String(2 * 1024 * 1024) }, /MAX_BODY_BYTES_PER_CALL: must be between/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL: must be one of/],
    [{ PORT: '70000' }, /PORT: must be between/],
    [{ WEBSOCKET_SERVICE: 'azure-signalr' }, /WEBSOCKET_SERVICE: must be one of signalr, webpubsub/],
    [{ WEBSOCKET_SERVICE: 'webpubsub' }, /WEBPUBSUB_CONNECTION_STRING: is required with WEBSOCKET_SERVICE=webpubsub/],
    [{ WEBSOCKET_SERVICE: 'webpubsub', WEBPUBSUB_CONNECTION_STRING: 'Endpoint=https://x.webpubsub.azure.com' }, /WEBPUBSUB_CONNECTION_STRING: .*AccessKey/],
    [{ WEBSOCKET_SERVICE: 'webpubsub', WEBPUBSUB_ENDPOINT: 'ftp://x' }, /WEBPUBSUB_ENDPOINT: must be an http\(s\) URL/],
    [
      { WEBSOCKET_SERVICE: 'webpubsub', WEBPUBSUB_ENDPOINT: 'https://x.webpubsub.azure.com', WEBPUBSUB_CONNECTION_STRING: 'Endpoint=https://x;AccessKey=k;' },
      /WEBPUBSUB_CONNECTION_STRING: set either it or WEBPUBSUB_ENDPOINT/,
    ],
  ])('fails fast naming the variable: %o', (change, message) => {
    expect(() => loadConfig({ ...base, ...change })).toThrow(message);
  });
});
