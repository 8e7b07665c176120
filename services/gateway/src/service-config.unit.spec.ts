import { describe, expect, it } from 'vitest';
import { PRIMARY_KEY, SECONDARY_KEY, testConfig } from './testing/support.js';

const wps = { SIGNALR_CONNECTION_STRING: undefined, SIGNALR_SECONDARY_KEY: undefined, WEBSOCKET_SERVICE: 'webpubsub' };
const tenant = '33333333-3333-3333-3333-333333333333';
const hubId = 'aaaaaaaa-0000-4000-8000-00000000000a';
const entraEnv = { ...wps, WEBPUBSUB_ENDPOINT: 'https://parley.webpubsub.azure.com', WEBPUBSUB_HANDLER_AUDIENCE: 'api://parley-events', AZURE_TENANT_ID: tenant };

describe('WEBSOCKET_SERVICE, read once at boot', () => {
  it('defaults to the seed dialect', () => {
    const config = testConfig();
    expect(config.service).toMatchObject({ dialect: 'signalr', baseUrl: 'http://127.0.0.1:8888' });
    expect(config.accessKeys).toEqual([PRIMARY_KEY, SECONDARY_KEY]);
    expect(config.webPubSub).toBeUndefined();
  });

  it('reads Web PubSub by connection string: signature with both keys, origin = the service host', () => {
    const config = testConfig({ ...wps, WEBPUBSUB_CONNECTION_STRING: `Endpoint=https://parley.webpubsub.azure.com;AccessKey=${PRIMARY_KEY};Version=1.0;`, WEBPUBSUB_SECONDARY_KEY: SECONDARY_KEY });
    expect(config.service).toMatchObject({ dialect: 'webpubsub', credential: 'key' });
    expect(config.accessKeys).toEqual([PRIMARY_KEY, SECONDARY_KEY]);
    expect(config.publicWsBase).toBe('wss://parley.webpubsub.azure.com');
    expect(config.webPubSub).toEqual({ allowedOrigins: ['parley.webpubsub.azure.com'], handlerAuth: { kind: 'signature' } });
  });

  it('reads Web PubSub by endpoint with Entra ID: the handler checks the hub token of the tenant and its caller', () => {
    const config = testConfig({ ...entraEnv, WEBPUBSUB_HANDLER_ALLOWED_OBJECT_IDS: ` ${hubId.toUpperCase()} ` });
    expect(config.service).toMatchObject({ credential: 'entra', accessKeys: [] });
    expect(config.webPubSub?.handlerAuth).toEqual({
      kind: 'entra',
      audience: 'api://parley-events',
      issuers: [`https://sts.windows.net/${tenant}/`, `https://login.microsoftonline.com/${tenant}/v2.0`],
      jwksUrl: `https://login.microsoftonline.com/${tenant}/discovery/v2.0/keys`,
      allowedObjectIds: [hubId],
    });
    expect(testConfig({ ...entraEnv, WEBPUBSUB_HANDLER_REQUIRED_ROLE: 'Parley.EventHandler' }).webPubSub?.handlerAuth).toMatchObject({ allowedObjectIds: [], requiredRole: 'Parley.EventHandler' });
  });

  it.each([
    [{ WEBSOCKET_SERVICE: 'signalr-serverless' }, /WEBSOCKET_SERVICE: must be one of signalr, webpubsub/],
    [wps, /WEBPUBSUB_CONNECTION_STRING: is required with WEBSOCKET_SERVICE=webpubsub/],
    [{ ...wps, WEBPUBSUB_ENDPOINT: 'https://parley.webpubsub.azure.com' }, /WEBPUBSUB_HANDLER_AUDIENCE: is required when no access key is known/],
    [{ ...wps, WEBPUBSUB_ENDPOINT: 'https://parley.webpubsub.azure.com', WEBPUBSUB_HANDLER_AUDIENCE: 'api://x', AZURE_TENANT_ID: 'contoso' }, /AZURE_TENANT_ID: must be a tenant id/],
    [entraEnv, /WEBPUBSUB_HANDLER_ALLOWED_OBJECT_IDS: or WEBPUBSUB_HANDLER_REQUIRED_ROLE is required with Entra ID handler auth/],
    [{ ...entraEnv, WEBPUBSUB_HANDLER_ALLOWED_OBJECT_IDS: 'parley-hub' }, /WEBPUBSUB_HANDLER_ALLOWED_OBJECT_IDS: must be object ids/],
    [{ ...entraEnv, WEBPUBSUB_HANDLER_REQUIRED_ROLE: 'has space' }, /WEBPUBSUB_HANDLER_REQUIRED_ROLE: must be an app role value/],
    [{ ...wps, WEBPUBSUB_ENDPOINT: 'https://parley.webpubsub.azure.com/client' }, /WEBPUBSUB_ENDPOINT: must be https:\/\/<name>\.webpubsub\.azure\.com without a path/],
    [{ ...wps, WEBPUBSUB_CONNECTION_STRING: 'Endpoint=https://x;Version=1.0;' }, /WEBPUBSUB_CONNECTION_STRING: .*AccessKey/],
  ])('stops at boot naming the variable: %o', (env, message) => {
    expect(() => testConfig(env)).toThrow(message);
  });
});
