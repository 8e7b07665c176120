import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { ErrorCodes, signatureHeader, type WebPubSubEventContext } from '@parley/contracts';
import { GatewayErrorCodes } from '../errors.js';
import { createHandlerCheck } from './handler-auth.js';

const context = (signature?: string): WebPubSubEventContext => ({
  kind: 'user',
  eventName: 'message',
  hub: 'chat',
  connectionId: 'c1',
  userId: 'alice',
  ...(signature ? { signature } : {}),
});

describe('signature check (a key is known)', () => {
  const check = createHandlerCheck({ kind: 'signature' }, ['primary-key', 'secondary-key']);
  it('passes a value of either key and refuses a missing or foreign one', async () => {
    await expect(check(context(signatureHeader('c1', ['primary-key'])), undefined)).resolves.toBeUndefined();
    await expect(check(context(signatureHeader('c1', ['old', 'secondary-key'])), undefined)).resolves.toBeUndefined();
    await expect(check(context(), undefined)).rejects.toMatchObject({ code: ErrorCodes.signatureMissing, statusCode: 401 });
    await expect(check(context(signatureHeader('c2', ['primary-key'])), undefined)).rejects.toMatchObject({ code: ErrorCodes.signatureInvalid });
  });
});

/** The hub's managed-identity token, checked against a JWKS served over real HTTP (as Entra ID serves it). */
describe('Entra ID bearer check (no key known)', () => {
  const tenant = '33333333-3333-3333-3333-333333333333';
  const issuer = `https://sts.windows.net/${tenant}/`;
  const audience = 'api://parley-webpubsub-events';
  let server: Server;
  let jwksUrl: string;
  let privateKey: CryptoKey;
  let otherKey: CryptoKey;

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256');
    privateKey = pair.privateKey;
    otherKey = (await generateKeyPair('RS256')).privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    server = createServer((_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    jwksUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/keys`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const token = (claims: { aud?: string; iss?: string }, key = privateKey) =>
    new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(claims.iss ?? issuer)
      .setAudience(claims.aud ?? audience)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(key);

  it('passes the service token for our audience and refuses everything else with 401', async () => {
    const check = createHandlerCheck({ kind: 'entra', audience, issuers: [issuer], jwksUrl }, []);
    await expect(check(context(), `Bearer ${await token({})}`)).resolves.toBeUndefined();
    await expect(check(context(), undefined)).rejects.toMatchObject({ code: GatewayErrorCodes.handlerUnauthorized, statusCode: 401 });
    await expect(check(context(), `Bearer ${await token({ aud: 'api://other' })}`)).rejects.toMatchObject({
      code: GatewayErrorCodes.handlerUnauthorized,
      message: expect.stringContaining('"aud"'),
    });
    await expect(check(context(), `Bearer ${await token({ iss: 'https://evil.example/' })}`)).rejects.toMatchObject({ code: GatewayErrorCodes.handlerUnauthorized });
    await expect(check(context(), `Bearer ${await token({}, otherKey)}`)).rejects.toMatchObject({ code: GatewayErrorCodes.handlerUnauthorized });
  });

  it('answers 503 when the tenant keys cannot be fetched', async () => {
    const check = createHandlerCheck({ kind: 'entra', audience, issuers: [issuer], jwksUrl: 'http://127.0.0.1:1/keys' }, []);
    await expect(check(context(), `Bearer ${await token({})}`)).rejects.toMatchObject({ code: GatewayErrorCodes.jwksUnavailable, statusCode: 503 });
  });
});
