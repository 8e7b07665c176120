import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fastify, { type FastifyInstance } from 'fastify';
import type { ServiceBusClient } from '@azure/service-bus';
import { exportJWK, generateKeyPair, SignJWT, decodeJwt, type CryptoKey, type JWK } from 'jose';
import { request } from 'undici';
import { ErrorCodes, parseChatEvent, PROFILE_CONNECTION_ID, type ChatEvent } from '@parley/contracts';
import { createRegistry } from '@parley/service-kit';
import { startServiceBus, type StandIn } from '@parley/testkit';
import { buildApp } from './app.js';
import { createServiceBusPublisher, type ServiceBusPublisher } from './chat-path/servicebus-publisher.js';
import { receiveSession, testBusClient } from './testing/bus.js';
import { silentLogger, testConfig, upstreamHeaders } from './testing/support.js';

const ISSUER = 'https://idp.parley.test';
/** The API's audience; the page (the client) is another, as with two app registrations. */
const AUDIENCE = 'api://parley';
const CLIENT_ID = 'parley-web';

describe('oidc mode against a local JWKS', () => {
  let idp: FastifyInstance;
  let signingKey: CryptoKey;
  let strangerKey: CryptoKey;
  let jwksHits = 0;
  let bus: StandIn;
  let client: ServiceBusClient;
  let publisher: ServiceBusPublisher;
  let gateway: FastifyInstance;
  let base: string;

  /** An access token for the API as Entra ID shapes it (`scp`), unless the test says otherwise. */
  const accessToken = (
    claims: Record<string, unknown> = {},
    options: { key?: CryptoKey; issuer?: string; audience?: string; kid?: string; alg?: string; expiresAt?: number } = {},
  ) =>
    new SignJWT({ preferred_username: 'alice.smith', name: 'Alice Smith', scp: 'chat', ...claims })
      .setProtectedHeader({ alg: options.alg ?? 'RS256', kid: options.kid ?? 'k1' })
      .setIssuer(options.issuer ?? ISSUER)
      .setAudience(options.audience ?? AUDIENCE)
      .setSubject('user-123')
      .setIssuedAt(options.expiresAt ? options.expiresAt - 600 : undefined)
      .setExpirationTime(options.expiresAt ?? '5m')
      .sign(options.key ?? signingKey);

  // A token of the right issuer, audience and key that lacks `claim`.
  const accessTokenWithout = async (claim: 'sub') => {
    const token = new SignJWT({ preferred_username: 'alice.smith', scp: 'chat' }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer(ISSUER).setAudience(AUDIENCE);
    if (claim !== 'sub') token.setSubject('user-123');
    return token.setIssuedAt().setExpirationTime('5m').sign(signingKey);
  };

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256');
    signingKey = pair.privateKey;
    strangerKey = (await generateKeyPair('RS256')).privateKey;
    const jwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    idp = fastify();
    idp.get('/.well-known/jwks.json', async () => {
      jwksHits++;
      return { keys: [jwk] };
    });
    await idp.listen({ host: '127.0.0.1', port: 0 });
    const idpAddress = idp.server.address();
    const idpPort = typeof idpAddress === 'object' && idpAddress ? idpAddress.port : 0;

    bus = await startServiceBus();
    client = testBusClient(bus.connectionString);
    const config = testConfig({
      SERVICEBUS_CONNECTION_STRING: bus.connectionString,
      AUTH_MODE: 'oidc',
      OIDC_JWKS_URL: `http://127.0.0.1:${idpPort}/.well-known/jwks.json`,
      OIDC_ISSUER: ISSUER,
      OIDC_API_AUDIENCE: AUDIENCE,
      OIDC_CLIENT_ID: CLIENT_ID,
      OIDC_REQUIRED_SCOPE: 'chat',
    });
    publisher = createServiceBusPublisher({ client, partitions: config.partitions, sendTimeoutMs: 5_000, batchMode: 'mixed', logger: silentLogger() });
    await publisher.open();
    gateway = await buildApp({ publisher, logger: silentLogger(), registry: createRegistry('gateway-oidc') }, config);
    await gateway.listen({ host: '127.0.0.1', port: 0 });
    const address = gateway.server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(async () => {
    await gateway?.close();
    await publisher?.close();
    await client?.close();
    await bus?.stop();
    await idp?.close();
  });

  const negotiate = async (authorization?: string) => {
    const response = await request(`${base}/api/negotiate`, { method: 'POST', headers: authorization ? { authorization } : {} });
    return { status: response.statusCode, json: (await response.body.json()) as Record<string, string> };
  };
  const connect = async (token: string, connectionId: string) => {
    const response = await request(`${base}/api/messages?event=connect`, {
      method: 'POST',
      headers: upstreamHeaders({ event: 'connect', connectionId, clientQuery: `access_token=${token}` }),
    });
    return { status: response.statusCode, userId: response.headers['x-asrs-user-id'], json: (await response.body.json()) as Record<string, unknown> };
  };

  it('negotiate trades a verified access token for a gateway token of the same user (sub) and its name', async () => {
    const answer = await negotiate(`Bearer ${await accessToken()}`);
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ user: 'user-123', displayName: 'Alice Smith' });
    expect(decodeJwt(answer.json.accessToken!)).toMatchObject({ iss: 'parley-gateway', aud: 'parley-chat', sub: 'user-123', name: 'Alice Smith' });
    expect(jwksHits).toBeGreaterThan(0);

    const connected = await connect(answer.json.accessToken!, 'oidc-conn-1');
    expect(connected.status).toBe(200);
    expect(connected.userId).toBe('user-123');
    const [event] = await receiveSession(client, 'oidc-conn-1', { count: 1 });
    expect((event!.body as ChatEvent).metadata).toMatchObject({ userId: 'user-123', connectionId: 'oidc-conn-1' });
  });

  it('negotiate publishes the verified display name (trimmed) as chat.profile; an unusable name publishes none', async () => {
    expect((await negotiate(`Bearer ${await accessToken({ name: 'Bad\u0007Name' })}`)).status).toBe(200);
    const named = await negotiate(`Bearer ${await accessToken({ name: '  Zoë Ünïcode  ' })}`);
    expect(named.json).toMatchObject({ user: 'user-123', displayName: 'Zoë Ünïcode' });
    // The user's session holds their profiles in order: the first one found is the usable name's.
    const [profile] = await receiveSession(client, PROFILE_CONNECTION_ID, { count: 1 });
    const event = profile!.body as ChatEvent;
    expect(event).toMatchObject({ type: 'chat.profile', data: { name: 'Zoë Ünïcode' }, metadata: { userId: 'user-123', hub: 'chat' } });
    expect(parseChatEvent(event).ok).toBe(true);
  });

  it('connect also accepts the provider token directly', async () => {
    const connected = await connect(await accessToken(), 'oidc-conn-2');
    expect(connected.status).toBe(200);
    expect(connected.userId).toBe('user-123');
  });

  const refusals: Array<[string, () => Promise<string>, RegExp]> = [
    ['another issuer', () => accessToken({}, { issuer: 'https://evil.test' }), /"iss"/],
    ['another audience', () => accessToken({}, { audience: 'someone-else' }), /"aud"/],
    ['the page\'s ID token (audience = its client id)', () => accessToken({ scp: undefined, nonce: 'n-1' }, { audience: CLIENT_ID }), /ID token is not accepted/],
    ['an ID token with the API\'s audience (one app registration)', () => accessToken({ scp: undefined, nonce: 'n-1', at_hash: 'x' }), /ID token is not accepted/],
    ['an access token without the required scope', () => accessToken({ scp: 'User.Read' }), /lacks the scope or app role "chat"/],
    ['a key the JWKS does not hold', () => accessToken({}, { key: strangerKey, kid: 'k2' }), /no key/],
    ['a forged signature under a known kid', () => accessToken({}, { key: strangerKey }), /signature/],
    ['an expired token', () => accessToken({}, { expiresAt: Math.floor(Date.now() / 1000) - 60 }), /expired/],
    ['an algorithm outside the allow-list (ES256)', async () => accessToken({}, { alg: 'ES256', key: (await generateKeyPair('ES256')).privateKey }), /algorithm is not allowed/],
    ['a shared-secret token (HS256)', () => accessToken({}, { alg: 'HS256', key: new TextEncoder().encode('k'.repeat(32)) as unknown as CryptoKey }), /algorithm is not allowed/],
    ['a token without the user claim', () => accessTokenWithout('sub'), /"sub"/],
  ];
  for (const [what, token, reason] of refusals) {
    it(`refuses ${what} with 401 at negotiate and at connect`, async () => {
      const answer = await negotiate(`Bearer ${await token()}`);
      expect(answer.status).toBe(401);
      expect(answer.json).toMatchObject({ code: ErrorCodes.tokenInvalid, message: expect.stringMatching(reason) });
      const connected = await connect(await token(), 'oidc-refused');
      expect(connected.status).toBe(401);
    });
  }

  it('queued nothing for the refused connects: a valid connect after them is the first event of the session', async () => {
    expect((await connect(await accessToken(), 'oidc-refused')).status).toBe(200);
    const received = await receiveSession(client, 'oidc-refused', { count: 1, waitMs: 20_000 });
    expect(received.map((message) => (message.body as ChatEvent).type)).toEqual(['chat.connected']);
  });

  it('accepts the scope as an app role (`roles`) or as RFC 9068 `scope`, and a token without a name', async () => {
    const byRole = await negotiate(`Bearer ${await accessToken({ scp: undefined, roles: ['chat'], name: undefined })}`);
    expect(byRole.status).toBe(200);
    expect(byRole.json.displayName).toBeUndefined();
    expect((await negotiate(`Bearer ${await accessToken({ scp: undefined, scope: 'openid chat' })}`)).status).toBe(200);
  });

  it('has no /api/home in oidc mode', async () => {
    expect((await request(`${base}/api/home?name=alice`)).statusCode).toBe(404);
  });
});
