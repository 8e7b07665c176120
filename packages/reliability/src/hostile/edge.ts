import { expect } from 'vitest';
import { WEBPUBSUB_EVENT_HANDLER_PATH } from '@parley/contracts';
import { eventually } from '@parley/testkit';
import { edgeCall, edgeMarker, fresh, hostileCase, primaryKey, restartUntilUp, type EdgeCall, type HostileContext } from './harness.js';
import { isReady } from '../readiness.js';

/** The emulator's secondary key (emulators/websocket-service/config/parley.json): it signs every call with both. */
const SERVICE_SECONDARY_KEY = 'parley-dev-secondary-key-fedcba9876543210';

/**
 * Calls to the gateway's edge that only the WebSocket service may make: the
 * seed upstream (`X-ASRS-*`) or the Web PubSub event handler (`ce-*`),
 * whichever the stack's dialect serves. Each answer's status and code are
 * exact; the marker is a correctly signed call for the same connection.
 */
export function edgeCases(ctx: HostileContext): void {
  const refusedCall = (name: string, status: number, code: string, call: (connectionId: string, user: string, hostileId: string) => EdgeCall, what: string) =>
    hostileCase(ctx, name, `${status} ${code}; ${what}; a correctly signed call for the same connection is then shown and stored, the refused one is in neither`, async () => {
      const connectionId = fresh('edge-conn');
      const user = fresh('edge-user');
      const hostileId = fresh('forged');
      const answer = await edgeCall(ctx, call(connectionId, user, hostileId));
      expect(answer).toMatchObject({ status, body: { code } });
      await edgeMarker(ctx, connectionId, user, [hostileId]);
    });
  const frame = (id: string) => JSON.stringify({ type: 'send', id, text: 'forged' });

  refusedCall('a forged signature (X-ASRS-Signature, or ce-signature on Web PubSub)', 401, 'PARLEY_SIGNATURE_INVALID', (connectionId, user, id) => ({ connectionId, user, keys: ['forged-key-forged-key-forged-key'], body: frame(id) }), 'HMAC with a key never issued');
  refusedCall('an edge call without a signature', 401, 'PARLEY_SIGNATURE_MISSING', (connectionId, user, id) => ({ connectionId, user, body: frame(id) }), 'no signature header');
  refusedCall(
    'an edge call with a signature for another connection id',
    401,
    'PARLEY_SIGNATURE_INVALID',
    (connectionId, user, id) => ({ connectionId, user, keys: [primaryKey(ctx)], signedConnectionId: fresh('someone-else'), body: frame(id) }),
    'a real key, the signature of another connection (a replayed header)',
  );
  refusedCall('an edge call for another hub', 400, 'PARLEY_GATEWAY_HUB_UNKNOWN', (connectionId, user, id) => ({ connectionId, user, keys: [primaryKey(ctx)], hub: 'admin', body: frame(id) }), 'signed, hub "admin"');
  refusedCall('an edge message call without a user', 400, 'PARLEY_GATEWAY_USER_MISSING', (connectionId, _user, id) => ({ connectionId, keys: [primaryKey(ctx)], body: frame(id) }), 'signed, no user id header');
  refusedCall('an edge call body over 1 MiB', 413, 'PARLEY_GATEWAY_BODY_TOO_LARGE', (connectionId, user, id) => ({ connectionId, user, keys: [primaryKey(ctx)], body: `{"type":"send","id":"${id}","text":"${'x'.repeat(1_100_000)}"}` }), 'signed, 1.1 MB body');

  if (ctx.service === 'signalr') {
    refusedCall('?event= disagreeing with X-ASRS-Event', 400, 'PARLEY_GATEWAY_EVENT_MISMATCH', (connectionId, user, id) => ({ connectionId, user, keys: [primaryKey(ctx)], queryEvent: 'connect', body: frame(id) }), 'signed, ?event=connect on a message');
  } else {
    refusedCall('a Web PubSub user event other than message', 400, 'PARLEY_GATEWAY_EVENT_UNKNOWN', (connectionId, user, id) => ({ connectionId, user, keys: [primaryKey(ctx)], eventName: 'admin', body: frame(id) }), 'signed, ce-eventName "admin"');
    hostileCase(ctx, 'an abuse-protection request from an unknown origin', 'OPTIONS answered with PARLEY_GATEWAY_ORIGIN_NOT_ALLOWED and no WebHook-Allowed-Origin; the service\'s own origin is allowed', async () => {
      const url = `${ctx.stack.gatewayUrl}${WEBPUBSUB_EVENT_HANDLER_PATH}`;
      const refused = await fetch(url, { method: 'OPTIONS', headers: { 'webhook-request-origin': 'evil.example.com', 'ce-awpsversion': '1.0' } });
      expect(refused.status).toBeGreaterThanOrEqual(400);
      expect(refused.headers.get('webhook-allowed-origin')).toBeNull();
      expect(await refused.json()).toMatchObject({ code: 'PARLEY_GATEWAY_ORIGIN_NOT_ALLOWED' });
      const host = new URL(ctx.stack.signalrUrl).host;
      const allowed = await fetch(url, { method: 'OPTIONS', headers: { 'webhook-request-origin': host, 'ce-awpsversion': '1.0' } });
      expect(allowed.status).toBe(200);
      expect(allowed.headers.get('webhook-allowed-origin')).toBe(host);
    });
  }

  hostileCase(
    ctx,
    'a real key rotation: primary retired, secondary accepted, then a new pair',
    'before: the secondary alone is refused (401) while the gateway knows only the primary; after promoting the secondary with a new key beside it: the retired primary alone is refused 401 PARLEY_SIGNATURE_INVALID, the promoted and the new key are accepted (shown and stored), the refused one is in neither',
    async () => {
      const primary = primaryKey(ctx);
      const connectionId = fresh('rotation-conn');
      const user = fresh('rotation-user');
      const early = fresh('secondary-too-early');
      expect(await edgeCall(ctx, { connectionId, user, keys: [SERVICE_SECONDARY_KEY], body: frame(early) })).toMatchObject({ status: 401, body: { code: 'PARLEY_SIGNATURE_INVALID' } });

      const prefix = ctx.service === 'webpubsub' ? 'WEBPUBSUB' : 'SIGNALR';
      const newKey = `rotated-${fresh('key')}-0123456789abcdef`;
      const original = { ...ctx.gatewayEnv };
      Object.assign(ctx.gatewayEnv, {
        [`${prefix}_CONNECTION_STRING`]: (ctx.stack.connectionStrings.signalr ?? '').replace(`AccessKey=${primary}`, `AccessKey=${SERVICE_SECONDARY_KEY}`),
        [`${prefix}_SECONDARY_KEY`]: newKey,
      });
      try {
        await restartUntilUp(ctx, 'gateway');
        await eventually(() => isReady(ctx.stack, 'gateway'), 'gateway ready with the rotated keys', 60_000, 100);
        const retired = fresh('retired-primary');
        expect(await edgeCall(ctx, { connectionId, user, keys: [primary], body: frame(retired) })).toMatchObject({ status: 401, body: { code: 'PARLEY_SIGNATURE_INVALID' } });
        await edgeMarker(ctx, connectionId, user, [early, retired], [SERVICE_SECONDARY_KEY]);
        await edgeMarker(ctx, connectionId, user, [early, retired], [newKey]);
      } finally {
        for (const key of Object.keys(ctx.gatewayEnv)) delete ctx.gatewayEnv[key];
        Object.assign(ctx.gatewayEnv, original);
        await restartUntilUp(ctx, 'gateway');
        await eventually(() => isReady(ctx.stack, 'gateway'), 'gateway ready with the original keys', 60_000, 100);
      }
    },
    420_000,
  );
}
