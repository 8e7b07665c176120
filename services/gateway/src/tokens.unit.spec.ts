import { describe, expect, it } from 'vitest';
import { decodeJwt, decodeProtectedHeader, SignJWT } from 'jose';
import { ErrorCodes } from '@parley/contracts';
import { createConnectVerifier, createGatewayTokenVerifier, createTokenIssuer, isUserName, type TokenVerifier } from './tokens.js';

const KEY = 'k'.repeat(40);

describe('gateway tokens', () => {
  it('issues HS256 tokens with iss, aud, sub, iat and exp = iat + ttl', async () => {
    const issued = await createTokenIssuer({ signingKey: KEY, ttlSeconds: 900, now: () => 1_700_000_000_000 })('alice');
    expect(decodeProtectedHeader(issued.token)).toMatchObject({ alg: 'HS256', typ: 'JWT' });
    expect(decodeJwt(issued.token)).toEqual({ iss: 'parley-gateway', aud: 'parley-chat', sub: 'alice', iat: 1_700_000_000, exp: 1_700_000_900 });
    expect(issued.expiresAt).toBe(new Date(1_700_000_900_000).toISOString());
  });

  it('verifies its own tokens until they expire', async () => {
    let now = 1_700_000_000_000;
    const issued = await createTokenIssuer({ signingKey: KEY, ttlSeconds: 60, now: () => now })('alice');
    const verifier = createGatewayTokenVerifier({ signingKey: KEY, now: () => now });
    expect(await verifier.verify(issued.token)).toEqual({ ok: true, value: { user: 'alice' } });
    now += 61_000;
    expect(await verifier.verify(issued.token)).toEqual({ ok: false, error: { code: ErrorCodes.tokenInvalid, message: 'token expired' } });
  });

  it('refuses a token without exp, and alg none', async () => {
    const verifier = createGatewayTokenVerifier({ signingKey: KEY });
    const noExp = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('a').setIssuer('parley-gateway').setAudience('parley-chat').sign(new TextEncoder().encode(KEY));
    expect(await verifier.verify(noExp)).toMatchObject({ ok: false, error: { code: ErrorCodes.tokenInvalid } });
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"a"}').toString('base64url')}.`;
    expect(await verifier.verify(none)).toMatchObject({ ok: false, error: { code: ErrorCodes.tokenInvalid } });
    expect(await verifier.verify(undefined)).toMatchObject({ ok: false, error: { code: ErrorCodes.tokenMissing } });
  });

  it('names users that fit both the contract and an HTTP header', () => {
    expect(['alice', 'Bob Smith', 'a.b-c_d@e', 'x'.repeat(64)].every(isUserName)).toBe(true);
    expect(['', ' alice', 'alice ', 'x'.repeat(65), 'Zoë', 'a\nb', 42, null].some(isUserName)).toBe(false);
  });
});

describe('connect verifier', () => {
  const recording = (label: string, calls: string[]): TokenVerifier => ({
    async verify() {
      calls.push(label);
      return { ok: true, value: { user: label } };
    },
  });

  it('sends HS256 tokens to the gateway verifier and others to OIDC when configured', async () => {
    const calls: string[] = [];
    const verifier = createConnectVerifier(recording('gateway', calls), recording('oidc', calls));
    const hs = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(KEY));
    const rs = `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.e30.sig`;
    await verifier.verify(hs);
    await verifier.verify(rs);
    expect(calls).toEqual(['gateway', 'oidc']);
  });

  it('uses only the gateway verifier without OIDC', async () => {
    const calls: string[] = [];
    const verifier = createConnectVerifier(recording('gateway', calls));
    await verifier.verify(`${Buffer.from('{"alg":"RS256"}').toString('base64url')}.e30.sig`);
    expect(calls).toEqual(['gateway']);
    expect(await verifier.verify('')).toMatchObject({ ok: false, error: { code: ErrorCodes.tokenMissing } });
  });
});
