import { expect } from 'vitest';
import WebSocket from 'ws';
import { SignJWT, UnsecuredJWT, type JWTPayload } from 'jose';
import { CHAT_SUBPROTOCOL } from '@parley/contracts';
import { negotiate } from '@parley/stack';
import { eventually } from '@parley/testkit';
import { fresh, hostileCase, noPhantomConnection, primaryKey, type HostileContext } from './harness.js';

/** The handshake's HTTP status: 101 when the socket opened. */
function handshake(url: string, protocols: string[] = [CHAT_SUBPROTOCOL]): Promise<number> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, protocols);
    socket.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
    socket.once('open', () => {
      socket.close();
      resolve(101);
    });
    socket.once('error', () => resolve(-1));
  });
}

/**
 * Client tokens as each dialect checks them: the gateway's own HS256 token on
 * the seed dialect (checked on connect by the gateway), a Web PubSub client
 * token signed with the access key on Web PubSub (checked by the service).
 */
export function handshakeCases(ctx: HostileContext): void {
  const signed = (claims: JWTPayload, key: string, expiresAt: number | string = '5m') =>
    new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime(expiresAt).sign(new TextEncoder().encode(key));
  const audience = (hub = 'chat') => `${ctx.stack.signalrUrl}/client/hubs/${hub}`;
  /** Valid claims for `user` in this dialect, and the key that signs them. */
  const claimsFor = (user: string, hub = 'chat'): { claims: JWTPayload; key: string } =>
    ctx.service === 'webpubsub' ? { claims: { sub: user, aud: audience(hub) }, key: primaryKey(ctx) } : { claims: { sub: user, iss: 'parley-gateway', aud: 'parley-chat' }, key: ctx.tokenKey };
  /** The client URL negotiate hands out, with another token in it. */
  const urlWith = async (user: string, token: string, hub?: string) => {
    const url = new URL((await negotiate(ctx.stack.gatewayUrl, user)).url);
    url.searchParams.set('access_token', token);
    if (hub) url.pathname = url.pathname.replace(/\/hubs\/chat$/, `/hubs/${hub}`);
    return url.toString();
  };
  const refusedConnect = (name: string, status: number, token: (user: string) => Promise<string>, what: string) =>
    hostileCase(ctx, name, `handshake ${status}; ${what}; the same user then connects and leaves (presence online, then offline, none before)`, async () => {
      const user = fresh('mallory');
      expect(await handshake(await urlWith(user, await token(user)))).toBe(status);
      await noPhantomConnection(ctx, user);
    });

  refusedConnect('a client token signed with another key', 401, (user) => signed(claimsFor(user).claims, 'another-key-another-key-another-key-0000'), 'HS256 with a key nobody issued');
  refusedConnect('a client token with alg none', 401, async (user) => new UnsecuredJWT(claimsFor(user).claims).setExpirationTime('5m').encode(), 'unsigned JWT');
  refusedConnect('a client token for another audience', 401, (user) => {
    const { claims, key } = claimsFor(user);
    return signed({ ...claims, aud: ctx.service === 'webpubsub' ? 'https://elsewhere.webpubsub.azure.com/client/hubs/chat' : 'someone-else' }, key);
  }, 'aud of another service');
  refusedConnect('no client token at all', 401, async () => '', 'access_token empty');

  hostileCase(ctx, 'a client token for another hub', 'handshake 401 for a token whose hub/audience is another hub, on hub chat; presence marker', async () => {
    const user = fresh('mallory');
    const { claims, key } = claimsFor(user, 'other');
    // Seed dialect: the gateway's token names no hub, so the hub is the one the client URL names: another hub's URL is refused.
    const token = await signed(claims, key);
    const url = ctx.service === 'webpubsub' ? await urlWith(user, token) : await urlWith(user, token, 'other');
    expect(await handshake(url)).toBe(ctx.service === 'webpubsub' ? 401 : 400);
    await noPhantomConnection(ctx, user);
  });

  hostileCase(ctx, 'token replay after expiry', 'a token that opened a connection is refused 401 once expired; presence marker', async () => {
    const user = fresh('replayer');
    const { claims, key } = claimsFor(user);
    const expiresAt = Math.floor(Date.now() / 1000) + 2;
    const token = await signed(claims, key, expiresAt);
    const url = await urlWith(user, token);
    const first = ctx.watcher.frames.length;
    expect(await handshake(url), 'the token works while valid').toBe(101);
    // The first, valid connection came and went before the replay is tried.
    await ctx.watcher.waitFor((f) => f.type === 'presence' && f.user === user && f.online === false, 60_000, first);
    await eventually(() => Date.now() / 1000 > expiresAt + 1, 'the token expired', 10_000, 100);
    const since = ctx.watcher.frames.length;
    expect(await handshake(url)).toBe(401);
    expect(ctx.watcher.frames.slice(since).filter((f) => f.type === 'presence' && f.user === user && f.online === true)).toEqual([]);
    await noPhantomConnection(ctx, user, { seenBefore: true });
  });

  hostileCase(ctx, 'a client that does not offer parley.chat.v1', 'handshake refused (400) with a valid token and only a foreign subprotocol; presence marker', async () => {
    const user = fresh('nosub');
    const { url } = await negotiate(ctx.stack.gatewayUrl, user);
    expect(await handshake(url, ['json.webpubsub.azure.v1.evil'])).toBe(400);
    await noPhantomConnection(ctx, user);
  });

  hostileCase(ctx, 'header injection in a user name at negotiate (CR/LF, NUL) and a non-ASCII name', '400 PARLEY_GATEWAY_NAME_INVALID for each; a valid negotiate then works and issues a token', async () => {
    for (const name of ['eve\r\nX-ASRS-User-Id: admin', 'eve\u0000admin', 'ève']) {
      const response = await fetch(`${ctx.stack.gatewayUrl}/api/negotiate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name }) });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ code: 'PARLEY_GATEWAY_NAME_INVALID' });
    }
    const user = fresh('eve');
    expect((await negotiate(ctx.stack.gatewayUrl, user)).user).toBe(user);
    await noPhantomConnection(ctx, user);
  });
}
