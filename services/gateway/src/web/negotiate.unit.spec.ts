import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { decodeJwt } from 'jose';
import { ErrorCodes, parseChatEvent, PROFILE_CONNECTION_ID } from '@parley/contracts';
import { GatewayErrorCodes } from '../errors.js';
import { testApp, testConfig, upstreamHeaders } from '../testing/support.js';

let app: FastifyInstance;
afterEach(async () => app?.close());

const negotiate = (payload: unknown, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url: '/api/negotiate', payload: payload as string, headers: { 'content-type': 'application/json', ...headers } });

describe('POST /api/negotiate (development)', () => {
  it('answers url, accessToken, expiresAt and user; the token opens a connection', async () => {
    const now = Date.UTC(2025, 0, 1, 12, 0, 0);
    ({ app } = await testApp(testConfig({ TOKEN_TTL_SECONDS: '600' }), { now: () => now }));
    const response = await negotiate({ name: 'alice' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    const answer = response.json<{ url: string; accessToken: string }>();
    expect(answer).toEqual({ url: expect.any(String), accessToken: expect.any(String), expiresAt: '2025-01-01T12:10:00.000Z', user: 'alice' });
    expect(answer.url).toBe(`ws://127.0.0.1:8888/ws/client/hubs/chat?access_token=${answer.accessToken}`);
    expect(decodeJwt(answer.accessToken)).toMatchObject({ sub: 'alice', iss: 'parley-gateway', aud: 'parley-chat', exp: now / 1000 + 600 });

    const connect = await app.inject({
      method: 'POST',
      url: '/api/messages?event=connect',
      headers: upstreamHeaders({ event: 'connect', clientQuery: new URL(answer.url).search }),
    });
    expect(connect.statusCode).toBe(200);
    expect(connect.headers['x-asrs-user-id']).toBe('alice');
  });

  it('publishes the typed name as the user\'s profile (chat.profile) before answering', async () => {
    const started = await testApp(testConfig());
    app = started.app;
    const { publisher } = started;
    expect((await negotiate({ name: 'alice' })).statusCode).toBe(200);
    expect(publisher.events).toEqual([
      expect.objectContaining({ type: 'chat.profile', data: { name: 'alice' }, metadata: expect.objectContaining({ userId: 'alice', connectionId: PROFILE_CONNECTION_ID, hub: 'chat' }) }),
    ]);
    expect(parseChatEvent(publisher.events[0]).ok).toBe(true);
  });

  it('answers 503 PARLEY_BUS_UNAVAILABLE and no token when the bus refuses the profile', async () => {
    const started = await testApp(testConfig());
    app = started.app;
    const { publisher } = started;
    publisher.failing = true;
    const response = await negotiate({ name: 'alice' });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ code: ErrorCodes.busUnavailable });
    expect(response.json().accessToken).toBeUndefined();
  });

  it('uses SIGNALR_PUBLIC_URL (https → wss) for the handed-out URL', async () => {
    ({ app } = await testApp(testConfig({ SIGNALR_PUBLIC_URL: 'https://chat.example.org/' })));
    const answer = (await negotiate({ name: 'bob' })).json();
    expect(answer.url).toMatch(/^wss:\/\/chat\.example\.org\/ws\/client\/hubs\/chat\?access_token=/);
  });

  const badNames: Array<[string, unknown]> = [
    ['a missing name', {}],
    ['an empty name', { name: '' }],
    ['a name over 64 characters', { name: 'n'.repeat(65) }],
    ['a control character', { name: 'al\u0007ice' }],
    ['a non-string name', { name: 42 }],
    ['a name that is not header-safe', { name: 'Zoë' }],
  ];
  for (const [what, body] of badNames) {
    it(`answers ${what} with 400 and a reason`, async () => {
      ({ app } = await testApp(testConfig()));
      const response = await negotiate(body);
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({ code: GatewayErrorCodes.nameInvalid, message: expect.stringContaining('name') });
    });
  }

  it('answers a body that is not JSON with 400', async () => {
    ({ app } = await testApp(testConfig()));
    const response = await negotiate('{name:');
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: GatewayErrorCodes.bodyInvalid });
  });
});

describe('POST /api/negotiate (oidc) without a usable bearer', () => {
  const oidcEnv = { AUTH_MODE: 'oidc', OIDC_JWKS_URL: 'http://127.0.0.1:9/jwks', OIDC_ISSUER: 'https://idp.test', OIDC_API_AUDIENCE: 'parley', OIDC_CLIENT_ID: 'parley-web', OIDC_REQUIRED_SCOPE: 'chat' };

  it('answers 401 PARLEY_TOKEN_MISSING without Authorization', async () => {
    ({ app } = await testApp(testConfig(oidcEnv)));
    const response = await negotiate({ name: 'alice' });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ code: ErrorCodes.tokenMissing });
  });

  it('answers 401 PARLEY_TOKEN_INVALID for a non-Bearer or malformed token', async () => {
    ({ app } = await testApp(testConfig(oidcEnv)));
    expect((await negotiate({}, { authorization: 'Basic YTpi' })).json()).toMatchObject({ code: ErrorCodes.tokenInvalid });
    const malformed = await negotiate({}, { authorization: 'Bearer not-a-jwt' });
    expect(malformed.statusCode).toBe(401);
    expect(malformed.json()).toMatchObject({ code: ErrorCodes.tokenInvalid, message: expect.stringMatching(/malformed/) });
  });

  it('answers 503 when the identity provider keys cannot be fetched', async () => {
    ({ app } = await testApp(testConfig(oidcEnv)));
    const { SignJWT, generateKeyPair } = await import('jose');
    const { privateKey } = await generateKeyPair('RS256');
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setSubject('alice').setExpirationTime('5m').sign(privateKey);
    const response = await negotiate({}, { authorization: `Bearer ${token}` });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ code: GatewayErrorCodes.jwksUnavailable });
  });
});
