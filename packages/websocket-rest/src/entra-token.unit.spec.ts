import { describe, expect, it } from 'vitest';
import { WEBPUBSUB_ENTRA_SCOPE } from '@parley/contracts';
import { entraBearer } from './entra-token.js';

describe('entraBearer', () => {
  it('asks for the Web PubSub scope once, shares the token, and renews it 5 minutes before it expires', async () => {
    let now = 1_000_000;
    const scopes: string[] = [];
    const credential = {
      async getToken(scope: string) {
        scopes.push(scope);
        return { token: `t${scopes.length}`, expiresOnTimestamp: now + 60 * 60_000 };
      },
    };
    const bearer = entraBearer(credential, () => now);
    expect(await Promise.all([bearer(), bearer(), bearer()])).toEqual(['t1', 't1', 't1']);
    expect(scopes).toEqual([WEBPUBSUB_ENTRA_SCOPE]);
    now += 54 * 60_000;
    expect(await bearer()).toBe('t1');
    now += 2 * 60_000;
    expect(await bearer()).toBe('t2');
  });

  it('fails the attempt (retried as a network failure) when no token comes back', async () => {
    const bearer = entraBearer({ getToken: async () => null });
    await expect(bearer()).rejects.toThrow(/no Microsoft Entra ID token/);
  });
});
