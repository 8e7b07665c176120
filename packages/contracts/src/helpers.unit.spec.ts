import { describe, expect, it } from 'vitest';
import { computeSignature, signatureHeader, verifySignature } from './signature.js';
import { createEventIdGenerator, EVENT_ID_PATTERN, eventIdLowerBound, eventIdTime } from './event-id.js';
import { fnv1a32, partitionOf, partitionSessionId } from './partition.js';
import { parseConnectionString } from './connection-string.js';
import { ErrorCodes } from './errors.js';

describe('X-ASRS-Signature', () => {
  // Known answers computed independently with `openssl dgst -sha256 -hmac KEY`.
  const vectors = [
    { id: 'conn-1', key: 'primary-key', hex: 'ea3372f76dfb886582f00d2bfb3b2348187b927e86e8a9a85357089185efba2f' },
    { id: 'conn-1', key: 'secondary-key', hex: '83e4539b4b54046f82358a2756701bf60b3f82a33d9f8284084fa3584667651f' },
    { id: 'Ab3_x-Q', key: 'parley-dev-primary-key-0123456789abcdef', hex: 'b2e902fb2cf3c7fff86719b8e6fb76833652aa082e6cc9773906598ad46f8994' },
  ];
  it.each(vectors)('HMAC-SHA256 of $id under $key', ({ id, key, hex }) => {
    expect(computeSignature(id, key)).toBe(hex);
  });

  it('builds one sha256= value per key, primary first', () => {
    expect(signatureHeader('conn-1', ['primary-key', 'secondary-key'])).toBe(
      `sha256=${vectors[0]!.hex},sha256=${vectors[1]!.hex}`,
    );
  });

  it('accepts a header signed with either key, so keys rotate without downtime', () => {
    expect(verifySignature(`sha256=${vectors[1]!.hex}`, 'conn-1', ['primary-key', 'secondary-key'])).toBe(true);
    expect(verifySignature(`sha256=${vectors[0]!.hex}`, 'conn-1', ['secondary-key', 'primary-key'])).toBe(true);
    expect(verifySignature(`sha256=deadbeef,sha256=${vectors[0]!.hex}`, 'conn-1', ['primary-key'])).toBe(true);
  });

  it('refuses a wrong key, another connection id, a missing or malformed header', () => {
    expect(verifySignature(`sha256=${vectors[0]!.hex}`, 'conn-1', ['other-key'])).toBe(false);
    expect(verifySignature(`sha256=${vectors[0]!.hex}`, 'conn-2', ['primary-key'])).toBe(false);
    expect(verifySignature(undefined, 'conn-1', ['primary-key'])).toBe(false);
    expect(verifySignature(vectors[0]!.hex, 'conn-1', ['primary-key'])).toBe(false);
    expect(verifySignature(`sha256=${vectors[0]!.hex}`, 'conn-1', [])).toBe(false);
  });
});

describe('event ids', () => {
  it('are 26 Crockford characters that sort by time, strictly increasing within one millisecond', () => {
    let now = 1_700_000_000_000;
    const next = createEventIdGenerator(() => now);
    const ids = [next(), next(), next()];
    now += 1;
    ids.push(next());
    for (const id of ids) expect(id).toMatch(EVENT_ID_PATTERN);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(eventIdTime(ids[0]!)).toBe(1_700_000_000_000);
    expect(eventIdTime(ids[3]!)).toBe(1_700_000_000_001);
  });

  it('never go backwards when the clock does', () => {
    let now = 2_000_000_000_000;
    const next = createEventIdGenerator(() => now);
    const first = next();
    now -= 5000;
    expect(next() > first).toBe(true);
  });

  it('have a lower bound for range queries', () => {
    const next = createEventIdGenerator(() => 1_700_000_000_500);
    const id = next();
    expect(eventIdLowerBound(1_700_000_000_500) <= id).toBe(true);
    expect(eventIdLowerBound(1_700_000_000_501) > id).toBe(true);
  });
});

describe('partition hashing', () => {
  it('is stable across runs (known answers)', () => {
    // FNV-1a 32-bit reference values.
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
    expect(partitionSessionId('foobar', 64)).toBe(`p-${String(0xbf9cf968 % 64).padStart(2, '0')}`);
  });

  it('spreads 64,000 connection-like ids evenly over 64 partitions', () => {
    const counts = new Array<number>(64).fill(0);
    for (let i = 0; i < 64_000; i++) counts[partitionOf(`conn-${i.toString(36)}-${(i * 7919) % 1000}`, 64)]! += 1;
    // expected 1,000 each; a chi-square statistic far above ~100 means a biased hash
    const chiSquare = counts.reduce((sum, c) => sum + (c - 1000) ** 2 / 1000, 0);
    expect(Math.min(...counts)).toBeGreaterThan(850);
    expect(Math.max(...counts)).toBeLessThan(1150);
    expect(chiSquare).toBeLessThan(120);
  });

  it('refuses a partition count that is not a positive integer', () => {
    expect(() => partitionOf('x', 0)).toThrow(RangeError);
    expect(() => partitionOf('x', 1.5)).toThrow(RangeError);
  });
});

describe('connection string', () => {
  it('parses endpoint, port, key and version', () => {
    const result = parseConnectionString('Endpoint=http://127.0.0.1;Port=8888;AccessKey=abc=;Version=1.0;');
    expect(result).toEqual({
      ok: true,
      value: { endpoint: 'http://127.0.0.1', port: 8888, accessKey: 'abc=', version: '1.0', baseUrl: 'http://127.0.0.1:8888' },
    });
  });

  it('works without a port, keys in any case', () => {
    const result = parseConnectionString('endpoint=https://x.service.signalr.net/;accesskey=k;version=1.0');
    expect(result.ok && result.value.baseUrl).toBe('https://x.service.signalr.net');
  });

  it.each([
    ['no endpoint', 'AccessKey=k;Version=1.0;'],
    ['no key', 'Endpoint=http://h;Version=1.0;'],
    ['bad port', 'Endpoint=http://h;Port=99999;AccessKey=k;'],
    ['not a url', 'Endpoint=nope;AccessKey=k;'],
    ['wrong scheme', 'Endpoint=sb://h;AccessKey=k;'],
    ['garbage part', 'Endpoint=http://h;AccessKey=k;junk'],
  ])('refuses %s with a coded error', (_name, text) => {
    const result = parseConnectionString(text);
    expect(result.ok ? undefined : result.error.code).toBe(ErrorCodes.connectionStringInvalid);
  });
});
