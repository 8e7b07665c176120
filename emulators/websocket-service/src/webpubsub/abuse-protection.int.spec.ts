import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebPubSubServiceClient } from '@azure/web-pubsub';
import { WebPubSubEventHandler } from '@azure/web-pubsub-express';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../config.js';
import { startSignalREmulator, type SignalREmulator } from '../index.js';
import { openClient } from '../testing/clients.js';
import { captureLogger, PRIMARY } from '../testing/emulator.js';

/**
 * Microsoft's `WebPubSubEventHandler` answers the abuse-protection OPTIONS
 * from its `allowedEndpoints`. The server around it counts those checks and
 * can drop the next event call, as a handler that went away would.
 */
interface Handler {
  readonly url: string;
  options: number;
  allowed: string[];
  dropNextPost: boolean;
  close(): Promise<void>;
}

async function startHandler(): Promise<Handler> {
  const state = { options: 0, allowed: [] as string[], dropNextPost: false };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'OPTIONS') state.options++;
    if (req.method === 'POST' && state.dropNextPost) {
      state.dropNextPost = false;
      req.socket.destroy();
      return;
    }
    const handler = new WebPubSubEventHandler('guarded', { allowedEndpoints: state.allowed, handleConnect: (_req, answer) => answer.success() });
    const express = Object.assign(req, { baseUrl: '', path: new URL(req.url ?? '/', 'http://x').pathname });
    void handler.getMiddleware()(express as never, res as never, () => res.writeHead(404).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(state, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

describe('abuse protection is checked again, not once for ever', () => {
  let emulator: SignalREmulator | undefined;
  let handler: Handler | undefined;
  afterEach(async () => {
    await emulator?.close();
    await handler?.close();
  });

  async function start(ttlMs: number): Promise<{ emulator: SignalREmulator; handler: Handler; connect(): Promise<number> }> {
    handler = await startHandler();
    const config = parseConfig({
      accessKeys: { primary: PRIMARY },
      upstream: { templates: [] },
      webPubSub: { Hubs: { guarded: { EventHandlers: [{ UrlTemplate: `${handler.url}/api/webpubsub/hubs/{hub}`, SystemEvents: ['connect'] }] } } },
    });
    emulator = await startSignalREmulator({ config, logger: captureLogger().logger, eventRetryDelaysMs: [], abuseProtectionTtlMs: ttlMs });
    handler.allowed = [emulator.url];
    const service = new WebPubSubServiceClient(emulator.webPubSubConnectionString, 'guarded', { allowInsecureConnection: true });
    /** 101 when the client got in, else the handshake's status. */
    const connect = async (): Promise<number> => {
      const { url } = await service.getClientAccessToken({ userId: 'u' });
      try {
        const client = await openClient(url);
        client.ws.close();
        return 101;
      } catch (error) {
        const status = (error as { status?: number }).status;
        if (status === undefined) throw error;
        return status;
      }
    };
    return { emulator, handler, connect };
  }

  it('trusts a passed origin for the TTL, then asks again and follows the new answer', async () => {
    const { handler: h, connect } = await start(400);
    expect(await connect()).toBe(101);
    expect(await connect()).toBe(101);
    expect(h.options).toBe(1);
    // The handler stops allowing this service; within the TTL the old pass still holds.
    h.allowed = ['https://someone-else.example'];
    expect(await connect()).toBe(101);
    expect(h.options).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 450));
    expect(await connect()).toBe(500);
    expect(h.options).toBe(2);
    // A failed check is not kept either: once the handler allows us again the next event gets through.
    h.allowed = [emulator?.url ?? ''];
    expect(await connect()).toBe(101);
    expect(h.options).toBe(3);
  });

  it('drops a pass when a call to the origin cannot be made, so the next event checks again', async () => {
    const { handler: h, connect } = await start(60 * 60_000);
    expect(await connect()).toBe(101);
    expect(h.options).toBe(1);
    h.dropNextPost = true;
    expect(await connect()).toBe(500);
    expect(await connect()).toBe(101);
    expect(h.options).toBe(2);
  });
});
