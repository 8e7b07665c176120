import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, UnsecuredJWT, type CryptoKey, type JWTPayload } from 'jose';

export const TEST_TENANT = '33333333-3333-3333-3333-333333333333';
export const TEST_ISSUER = `https://sts.windows.net/${TEST_TENANT}/`;
export const HANDLER_AUDIENCE = 'api://parley-webpubsub-events';
/** The hub's managed identity, and another principal of the same tenant. */
export const HUB_OBJECT_ID = 'aaaaaaaa-0000-4000-8000-00000000000a';
export const OTHER_OBJECT_ID = 'bbbbbbbb-0000-4000-8000-00000000000b';

export interface TokenShape {
  claims?: JWTPayload;
  /** `RS256` by the served key (default), by a key the JWKS does not hold, `HS256` keyed with the public key, or unsecured. */
  signing?: 'served-key' | 'foreign-key' | 'hs256-public-key' | 'none';
}

export interface LocalEntraIssuer {
  /** The JWKS served over real HTTP on 127.0.0.1, as the tenant serves its keys. */
  readonly jwksUrl: string;
  token(shape?: TokenShape): Promise<string>;
  close(): Promise<void>;
}

/**
 * A local stand-in for the tenant's token issuer: one RS256 key, its JWKS
 * served on 127.0.0.1, and tokens shaped like the managed-identity token the
 * hub sends (`iss`, `aud`, `oid`, `exp`) unless the test says otherwise.
 */
export async function startLocalEntraIssuer(): Promise<LocalEntraIssuer> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const foreign: CryptoKey = (await generateKeyPair('RS256')).privateKey;
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  // The classic key confusion: the public key's text as an HMAC secret.
  const publicPem = new TextEncoder().encode(await exportSPKI(publicKey));
  const server: Server = createServer((_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const jwksUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/discovery/v2.0/keys`;

  return {
    jwksUrl,
    async token(shape = {}) {
      const now = Math.floor(Date.now() / 1000);
      const claims: JWTPayload = { iss: TEST_ISSUER, aud: HANDLER_AUDIENCE, oid: HUB_OBJECT_ID, tid: TEST_TENANT, iat: now, exp: now + 300, ...shape.claims };
      switch (shape.signing ?? 'served-key') {
        case 'served-key':
          return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'k1', typ: 'JWT' }).sign(privateKey);
        case 'foreign-key':
          return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'k1', typ: 'JWT' }).sign(foreign);
        case 'hs256-public-key':
          return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: 'k1', typ: 'JWT' }).sign(publicPem);
        case 'none':
          return new UnsecuredJWT(claims).encode();
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
