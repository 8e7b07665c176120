import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevOidc, type DevOidc } from './index.js';

const REDIRECT = 'http://127.0.0.1:9/';

/** A browser's part of the code flow: cookies and manual redirects. */
class Browserish {
  readonly cookies = new Map<string, string>();
  async go(url: string, init: RequestInit = {}): Promise<Response> {
    const response = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, at), pair!.slice(at + 1));
    }
    return response;
  }
}

const base64url = (buffer: Buffer) => buffer.toString('base64url');

async function signIn(idp: DevOidc, login: string, password: string) {
  const browser = new Browserish();
  const verifier = base64url(randomBytes(32));
  const challenge = base64url(createHash('sha256').update(verifier).digest());
  const auth = new URL(`${idp.issuer}/auth`);
  auth.search = new URLSearchParams({
    client_id: idp.clientId, redirect_uri: REDIRECT, response_type: 'code', scope: idp.scopes,
    code_challenge: challenge, code_challenge_method: 'S256', state: 'st-1',
  }).toString();
  const toLogin = await browser.go(auth.toString());
  expect(toLogin.status).toBe(303);
  const loginUrl = new URL(toLogin.headers.get('location')!, idp.issuer).toString();
  const form = await browser.go(loginUrl);
  expect(form.status).toBe(200);
  expect(form.headers.get('content-security-policy')).toContain("default-src 'none'");
  expect(await form.text()).toContain('<form method="post"');
  let response = await browser.go(`${loginUrl}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ login, password }).toString(),
  });
  if (response.status === 401) return { refused: await response.text() };
  // Back to the authorization endpoint, then to the page with a code.
  for (let hops = 0; hops < 5 && !response.headers.get('location')?.startsWith(REDIRECT); hops++) {
    response = await browser.go(new URL(response.headers.get('location')!, idp.issuer).toString());
  }
  const back = new URL(response.headers.get('location')!);
  expect(back.searchParams.get('state')).toBe('st-1');
  const token = await fetch(`${idp.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://127.0.0.1:9' },
    body: new URLSearchParams({
      grant_type: 'authorization_code', code: back.searchParams.get('code')!, redirect_uri: REDIRECT, client_id: idp.clientId, code_verifier: verifier,
    }).toString(),
  });
  expect(token.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:9');
  return { tokens: (await token.json()) as Record<string, string> };
}

describe('the local OpenID provider', () => {
  let idp: DevOidc;
  beforeAll(async () => {
    idp = await startDevOidc({ redirectUris: [REDIRECT], accessTokenTtlSeconds: 120 });
  });
  afterAll(async () => idp?.close());

  it('publishes its discovery document with PKCE S256 and its signing key', async () => {
    const discovery = (await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(discovery).toMatchObject({ issuer: idp.issuer, jwks_uri: idp.jwksUrl, code_challenge_methods_supported: ['S256'] });
    const jwks = (await (await fetch(idp.jwksUrl)).json()) as { keys: Array<Record<string, unknown>> };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).not.toHaveProperty('d');
  });

  it('signs a user in through its login page (code + PKCE) and issues a JWT access token for the API', async () => {
    const { tokens } = await signIn(idp, 'alice', 'alice-pw');
    const jwks = createRemoteJWKSet(new URL(idp.jwksUrl));
    const { payload } = await jwtVerify(tokens!.access_token!, jwks, { issuer: idp.issuer, audience: idp.audience, algorithms: ['RS256'] });
    expect(payload).toMatchObject({ sub: 'alice', name: 'Alice Liddell', preferred_username: 'alice@parley.local', scope: idp.apiScope });
    expect(idp.apiScope).toBe('chat');
    expect(payload.exp! - payload.iat!).toBe(120);
    expect(decodeJwt(tokens!.id_token!)).toMatchObject({ sub: 'alice', name: 'Alice Liddell', aud: idp.clientId });
    expect(tokens!.refresh_token).toBeTruthy();

    // Silent renewal: the refresh token buys a new access token for the same audience.
    const refreshed = await fetch(`${idp.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens!.refresh_token!, client_id: idp.clientId }).toString(),
    });
    const renewed = (await refreshed.json()) as Record<string, string>;
    expect(refreshed.status).toBe(200);
    expect(renewed.access_token).not.toBe(tokens!.access_token);
    await expect(jwtVerify(renewed.access_token!, jwks, { issuer: idp.issuer, audience: idp.audience })).resolves.toBeDefined();
  });

  it('refuses a wrong password on its login page', async () => {
    const { refused } = await signIn(idp, 'bob', 'not-bobs');
    expect(refused).toContain('Unknown user or wrong password.');
  });

  it('mints tokens with the claims a test asks for, under its own key', async () => {
    const jwks = createRemoteJWKSet(new URL(idp.jwksUrl));
    const expired = await idp.mint({ sub: 'alice', expiresInSeconds: -60 });
    await expect(jwtVerify(expired, jwks, { issuer: idp.issuer })).rejects.toThrow(/exp/);
    const stranger = await idp.mint({ sub: 'alice', audience: 'someone-else' });
    await expect(jwtVerify(stranger, jwks, { audience: idp.audience })).rejects.toThrow(/aud/);
  });
});

describe('keys', () => {
  it('are generated on first start, kept in a private file and reused', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dev-oidc-'));
    try {
      const keysFile = join(dir, 'dev-oidc', 'keys.json');
      const kid = async () => {
        const idp = await startDevOidc({ redirectUris: [REDIRECT], keysFile });
        try {
          const jwks = (await (await fetch(idp.jwksUrl)).json()) as { keys: Array<{ kid: string }> };
          return jwks.keys[0]!.kid;
        } finally {
          await idp.close();
        }
      };
      const first = await kid();
      expect((await stat(keysFile)).mode & 0o777).toBe(0o600);
      expect(await kid()).toBe(first);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
