import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restToken } from '../testing/clients.js';
import { PRIMARY, SECONDARY, startPair, type Pair } from '../testing/emulator.js';

describe('REST authentication (JWT HS256)', () => {
  let pair: Pair;
  let url: string;
  let noPort: string;
  beforeAll(async () => {
    pair = await startPair();
    url = `${pair.emulator.url}/ws/api/v1/hubs/chat`;
    noPort = 'http://127.0.0.1/ws/api/v1/hubs/chat';
  });
  afterAll(() => pair.close());

  async function call(token: string | undefined, target = url, method = 'POST') {
    const headers: Record<string, string> = { 'content-type': 'text/plain' };
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    const res = await fetch(target, { method, headers, body: method === 'POST' ? 'x' : undefined });
    const body = await res.text();
    return { status: res.status, body: body ? (JSON.parse(body) as { code: string; message: string }) : undefined, www: res.headers.get('www-authenticate') };
  }

  it('accepts the primary and the secondary key, with aud with or without the port', async () => {
    expect((await call(await restToken(url, PRIMARY))).status).toBe(202);
    expect((await call(await restToken(url, SECONDARY))).status).toBe(202);
    expect((await call(await restToken(url, PRIMARY, { aud: noPort }))).status).toBe(202);
  });

  it('ignores the query string when checking aud', async () => {
    const token = await restToken(url, PRIMARY);
    expect((await call(token, `${url}?excluded=nobody`)).status).toBe(202);
  });

  it.each([
    ['no Authorization header', async () => undefined, 'SIGNALR_AUTH_MISSING'],
    ['a forged signature', async () => restToken(url, 'not-the-key-of-this-service-at-all'), 'SIGNALR_AUTH_SIGNATURE'],
    ['an expired token', async () => restToken(url, PRIMARY, { expSeconds: -60 }), 'SIGNALR_AUTH_EXPIRED'],
    ['a token without exp', async () => restToken(url, PRIMARY, { noExp: true }), 'SIGNALR_AUTH_INVALID'],
    ['a wrong audience (another hub)', async () => restToken(url, PRIMARY, { aud: 'http://127.0.0.1/ws/api/v1/hubs/other' }), 'SIGNALR_AUTH_AUDIENCE'],
    ['a wrong audience (another host)', async () => restToken(url, PRIMARY, { aud: url.replace('127.0.0.1', 'example.com') }), 'SIGNALR_AUTH_AUDIENCE'],
    ['garbage', async () => 'not.a.jwt', 'SIGNALR_AUTH_INVALID'],
    [
      'HS512 instead of HS256',
      async () =>
        new SignJWT({}).setProtectedHeader({ alg: 'HS512' }).setAudience(url).setExpirationTime('1h').sign(new TextEncoder().encode(PRIMARY)),
      'SIGNALR_AUTH_INVALID',
    ],
    [
      'an unsigned token (alg none)',
      async () => {
        const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
        return `${enc({ alg: 'none', typ: 'JWT' })}.${enc({ aud: url, exp: Math.floor(Date.now() / 1000) + 3600 })}.`;
      },
      'SIGNALR_AUTH_INVALID',
    ],
  ])('refuses %s with 401 and a reason', async (_name, token, code) => {
    const before = pair.upstream.calls.length;
    const res = await call(await token());
    expect(res.status).toBe(401);
    expect(res.body?.code).toBe(code);
    expect(res.body?.message.length).toBeGreaterThan(5);
    expect(res.www).toMatch(/^Bearer error="invalid_token"/);
    expect(pair.upstream.calls.length).toBe(before);
  });

  it('checks every route, including HEAD and group management', async () => {
    const target = `${url}/groups/g/users/u`;
    expect((await call(await restToken(url, PRIMARY), target, 'PUT')).status).toBe(401);
    expect((await call(await restToken(target, PRIMARY), target, 'PUT')).status).toBe(200);
    const head = `${url}/users/u`;
    expect((await call(undefined, head, 'HEAD')).status).toBe(401);
  });
});
