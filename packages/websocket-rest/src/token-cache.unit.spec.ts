import { describe, expect, it } from 'vitest';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { TokenCache } from './token-cache.js';

const accessKey = 'parley-dev-primary-key-0123456789abcdef';
const key = new TextEncoder().encode(accessKey);
const aud = 'http://127.0.0.1:8888/ws/api/v1/hubs/chat/groups/room%3Adev';

function clock(start = Date.parse('2026-01-01T00:00:00Z')) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('TokenCache', () => {
  it('signs HS256 with the access key, aud = the URL, and a short exp', async () => {
    const time = clock();
    const cache = new TokenCache({ accessKey, now: time.now });
    const token = await cache.tokenFor(aud);
    expect(decodeProtectedHeader(token).alg).toBe('HS256');
    const { payload } = await jwtVerify(token, key, { audience: aud, currentDate: new Date(time.now()) });
    expect(payload.exp).toBe(time.now() / 1_000 + 300);
    await expect(jwtVerify(token, new TextEncoder().encode('another-key-0123456789'), { currentDate: new Date(time.now()) })).rejects.toThrow();
  });

  it('reuses a token for the same URL until 30 s before it expires', async () => {
    const time = clock();
    const cache = new TokenCache({ accessKey, now: time.now });
    const first = await cache.tokenFor(aud);
    time.advance(269_000);
    expect(await cache.tokenFor(aud)).toBe(first);
    time.advance(1_000);
    const renewed = await cache.tokenFor(aud);
    expect(renewed).not.toBe(first);
    const { payload } = await jwtVerify(renewed, key, { audience: aud, currentDate: new Date(time.now()) });
    expect(payload.exp).toBe(time.now() / 1_000 + 300);
  });

  it('keeps one token per URL and stays bounded, dropping the oldest', async () => {
    const time = clock();
    const cache = new TokenCache({ accessKey, now: time.now, maxEntries: 3 });
    const tokens = [];
    for (const name of ['a', 'b', 'c', 'd']) tokens.push(await cache.tokenFor(`${aud}-${name}`));
    expect(new Set(tokens).size).toBe(4);
    expect(cache.size).toBe(3);
    expect(await cache.tokenFor(`${aud}-d`)).toBe(tokens[3]);
    time.advance(1_000);
    expect(await cache.tokenFor(`${aud}-a`)).not.toBe(tokens[0]);
  });

  it('refuses a refresh margin longer than the lifetime', () => {
    expect(() => new TokenCache({ accessKey, ttlSeconds: 30, refreshBeforeSeconds: 30 })).toThrow(RangeError);
  });
});
