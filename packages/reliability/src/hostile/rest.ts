import { expect } from 'vitest';
import { SignJWT } from 'jose';
import { fresh, hostileCase, noPhantomConnection, primaryKey, type HostileContext } from './harness.js';

/** Oversize and malformed bodies, and bad credentials, to the local services' REST surfaces. */
export function restCases(ctx: HostileContext): void {
  const negotiate = (body: string) => fetch(`${ctx.stack.gatewayUrl}/api/negotiate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

  hostileCase(ctx, 'a negotiate body over its 4 KiB limit', '413 PARLEY_GATEWAY_BODY_TOO_LARGE; no connection follows (presence marker for the named user)', async () => {
    const user = fresh('bulky');
    const response = await negotiate(JSON.stringify({ name: user, padding: 'x'.repeat(5000) }));
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ code: 'PARLEY_GATEWAY_BODY_TOO_LARGE' });
    await noPhantomConnection(ctx, user);
  });
  hostileCase(ctx, 'a malformed negotiate body', '400 PARLEY_GATEWAY_BODY_INVALID for truncated JSON; presence marker for the named user', async () => {
    const user = fresh('broken');
    const response = await negotiate(`{"name":"${user}"`);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'PARLEY_GATEWAY_BODY_INVALID' });
    await noPhantomConnection(ctx, user);
  });

  /** The WebSocket service's REST send to the watcher, as the notifier makes it (seed REST paths; the emulator serves them in both dialects). */
  const restPath = (user: string) => `/ws/api/v1/hubs/chat/users/${encodeURIComponent(user)}`;
  const tokenFor = (path: string, key = primaryKey(ctx)) =>
    new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setAudience(`${ctx.stack.signalrUrl}${path}`).setExpirationTime('5m').sign(new TextEncoder().encode(key));
  const restSend = async (body: string, authorization?: string) => {
    const path = restPath(ctx.watcher.user);
    const response = await fetch(`${ctx.stack.signalrUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(authorization === undefined ? { authorization: `Bearer ${await tokenFor(path)}` } : authorization ? { authorization } : {}) },
      body,
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };
  /** The marker: a valid REST send to the same user arrives; the refused payload never did. */
  const restMarker = async (hostileId: string) => {
    const id = fresh('rest-marker');
    expect(await restSend(JSON.stringify({ type: 'marker', id }))).toMatchObject({ status: 202 });
    await ctx.watcher.waitFor((f) => (f as { id?: unknown }).id === id);
    expect(ctx.watcher.frames.filter((f) => (f as { id?: unknown }).id === hostileId)).toEqual([]);
  };
  const refusedRest = (name: string, status: number, code: string, what: string, send: (hostileId: string) => Promise<{ status: number; body: Record<string, unknown> }>) =>
    hostileCase(ctx, name, `${status} ${code}; ${what}; a valid send to the same user then arrives, the refused one never`, async () => {
      const hostileId = fresh('rest-hostile');
      expect(await send(hostileId)).toMatchObject({ status, body: { code } });
      await restMarker(hostileId);
    });

  refusedRest('a REST send over the service frame limit', 413, 'SIGNALR_BODY_TOO_LARGE', '1.1 MB JSON body, valid token', (id) => restSend(JSON.stringify({ type: 'marker', id, pad: 'x'.repeat(1_100_000) })));
  refusedRest('a REST send without Authorization', 401, 'SIGNALR_AUTH_MISSING', 'no header', (id) => restSend(JSON.stringify({ type: 'marker', id }), ''));
  refusedRest('a REST send with a token signed by another key', 401, 'SIGNALR_AUTH_SIGNATURE', 'HS256 with an unknown key', async (id) =>
    restSend(JSON.stringify({ type: 'marker', id }), `Bearer ${await tokenFor(restPath(ctx.watcher.user), 'some-other-key-some-other-key-000')}`),
  );
  refusedRest('a REST token replayed on another resource', 401, 'SIGNALR_AUTH_AUDIENCE', "a token for another user's path", async (id) =>
    restSend(JSON.stringify({ type: 'marker', id }), `Bearer ${await tokenFor(restPath('someone-else'))}`),
  );
}
