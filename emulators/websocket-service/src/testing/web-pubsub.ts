import { SignJWT } from 'jose';
import { parseConfig } from '../config.js';
import { startSignalREmulator, type SignalREmulator } from '../index.js';
import { captureLogger, PRIMARY, SECONDARY } from './emulator.js';
import { startEventRecorder, type EventRecorder, type EventResponder } from './event-recorder.js';

export interface WpsPair {
  readonly emulator: SignalREmulator;
  readonly handler: EventRecorder;
  readonly logs: Record<string, unknown>[];
  /** ws://127.0.0.1:<port> */
  readonly ws: string;
  /** A client URL with a valid access token. */
  clientUrl(hub: string, claims?: { sub?: string; role?: string[]; 'webpubsub.group'?: string[] }, extraQuery?: string): Promise<string>;
  close(): Promise<void>;
}

/** A client access token: HS256, `aud` = the http client URL of the hub, an hour unless told otherwise. */
export async function clientToken(port: number, hub: string, claims: Record<string, unknown> = {}, opts: { key?: string; aud?: string; expSeconds?: number } = {}): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setAudience(opts.aud ?? `http://127.0.0.1:${port}/client/hubs/${hub}`)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + (opts.expSeconds ?? 3600))
    .sign(new TextEncoder().encode(opts.key ?? PRIMARY));
}

/** The emulator with every hub's events going to a fresh recording handler (both real servers on ephemeral ports). */
export async function startWpsPair(
  opts: { respond?: EventResponder; hubs?: (url: string) => Record<string, unknown>; retryDelaysMs?: number[]; recoveryWindowMs?: number; abuseProtectionTtlMs?: number } = {},
): Promise<WpsPair> {
  const handler = await startEventRecorder([PRIMARY, SECONDARY], opts.respond);
  const hubs = opts.hubs?.(handler.url) ?? {
    '*': { EventHandlers: [{ UrlTemplate: `${handler.url}/eventhandler/{hub}/{event}`, SystemEvents: ['connect', 'connected', 'disconnected'], EventPattern: '*' }] },
  };
  const config = parseConfig({ accessKeys: { primary: PRIMARY, secondary: SECONDARY }, upstream: { templates: [] }, webPubSub: { Hubs: hubs } });
  const { logger, lines } = captureLogger();
  const emulator = await startSignalREmulator({
    config,
    logger,
    eventRetryDelaysMs: opts.retryDelaysMs ?? [50, 100, 150],
    ...(opts.recoveryWindowMs === undefined ? {} : { recoveryWindowMs: opts.recoveryWindowMs }),
    ...(opts.abuseProtectionTtlMs === undefined ? {} : { abuseProtectionTtlMs: opts.abuseProtectionTtlMs }),
  });
  const ws = `ws://127.0.0.1:${emulator.port}`;
  return {
    emulator,
    handler,
    logs: lines,
    ws,
    async clientUrl(hub, claims = {}, extraQuery = '') {
      return `${ws}/client/hubs/${hub}?access_token=${await clientToken(emulator.port, hub, claims)}${extraQuery}`;
    },
    async close() {
      await emulator.close();
      await handler.close();
    },
  };
}
