import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebPubSubServiceClient } from '@azure/web-pubsub';
import { WebPubSubClient } from '@azure/web-pubsub-client';
import { WebPubSubEventHandler, type ConnectRequest, type ConnectedRequest, type DisconnectedRequest, type UserEventRequest } from '@azure/web-pubsub-express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config.js';
import { startSignalREmulator, type SignalREmulator } from '../index.js';
import { captureLogger, PRIMARY } from '../testing/emulator.js';
import { openClient } from '../testing/clients.js';
import { waitFor } from '../testing/wait.js';

/**
 * Microsoft's `WebPubSubEventHandler` as the hub's event handler. It is
 * express middleware; a plain node server gives it the two express fields it
 * reads (`baseUrl`, `path`) rather than pulling express in.
 */
function serve(handler: () => WebPubSubEventHandler | undefined): Promise<{ server: Server; url: string }> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const middleware = handler()?.getMiddleware();
    if (!middleware) return void res.writeHead(503).end();
    const express = Object.assign(req, { baseUrl: '', path: new URL(req.url ?? '/', 'http://x').pathname });
    void middleware(express as never, res as never, () => res.writeHead(404).end());
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })));
}

describe("Microsoft's @azure/web-pubsub-express as the event handler", () => {
  const seen = { connect: [] as ConnectRequest[], connected: [] as ConnectedRequest[], disconnected: [] as DisconnectedRequest[], user: [] as UserEventRequest[] };
  /** The connection state each user event arrived with (the handler's setState changes the request's copy). */
  const statesIn: Record<string, unknown>[] = [];
  let emulator: SignalREmulator;
  let server: Server;
  beforeAll(async () => {
    // The handler is made once the emulator's endpoint is known, so that allowedEndpoints can name it.
    const current: { handler?: WebPubSubEventHandler } = {};
    const served = await serve(() => current.handler);
    server = served.server;
    const { logger } = captureLogger();
    const config = parseConfig({
      accessKeys: { primary: PRIMARY },
      upstream: { templates: [] },
      webPubSub: { Hubs: { chat: { EventHandlers: [{ UrlTemplate: `${served.url}/api/webpubsub/hubs/{hub}`, SystemEvents: ['connect', 'connected', 'disconnected'], EventPattern: '*' }] } } },
    });
    emulator = await startSignalREmulator({ config, logger });
    current.handler = new WebPubSubEventHandler('chat', {
      // Only the emulator may call: the abuse-protection handshake checks its origin.
      allowedEndpoints: [emulator.url],
      handleConnect: (req, res) => {
        seen.connect.push(req);
        if (req.context.userId === 'banned') return res.fail(401, 'banned user');
        res.setState('joinedAt', 'connect');
        res.success({ userId: `${req.context.userId}-ok`, groups: ['lobby'], roles: ['webpubsub.sendToGroup.lobby'], subprotocol: req.subprotocols?.[0] });
      },
      onConnected: (req) => void seen.connected.push(req),
      onDisconnected: (req) => void seen.disconnected.push(req),
      handleUserEvent: (req, res) => {
        seen.user.push(req);
        statesIn.push({ ...req.context.states });
        res.setState('last', req.context.eventName);
        if (req.dataType === 'json') return res.success(JSON.stringify({ echoed: req.data, state: req.context.states }), 'json');
        return res.success(`echo ${String(req.data)}`, 'text');
      },
    });
  });
  afterAll(async () => {
    await emulator.close();
    server.close();
  });

  it('handles connect (with the handshake), connected, user events and disconnected from the SDK client', async () => {
    const service = new WebPubSubServiceClient(emulator.webPubSubConnectionString, 'chat', { allowInsecureConnection: true });
    const client = new WebPubSubClient({ getClientAccessUrl: async () => (await service.getClientAccessToken({ userId: 'amy' })).url });
    const server: unknown[] = [];
    const group: unknown[] = [];
    client.on('server-message', (e) => server.push(e.message.data));
    client.on('group-message', (e) => group.push(e.message.data));
    let userId = '';
    client.on('connected', (e) => (userId = e.userId ?? ''));
    await client.start();
    await waitFor(() => userId);
    expect(userId).toBe('amy-ok');
    const connect = seen.connect[0];
    expect(connect?.context).toMatchObject({ hub: 'chat', userId: 'amy', eventName: 'connect' });
    expect(connect?.claims?.sub).toEqual(['amy']);
    expect(connect?.subprotocols).toEqual(['json.reliable.webpubsub.azure.v1']);
    await waitFor(() => seen.connected.length === 1);
    expect(seen.connected[0]?.context).toMatchObject({ userId: 'amy-ok', connectionId: connect?.context.connectionId, states: { joinedAt: 'connect' } });

    await client.sendEvent('calc', { n: 2 }, 'json');
    await client.sendEvent('say', 'hi', 'text');
    await client.sendToGroup('lobby', 'lobby hello', 'text');
    await waitFor(() => server.length === 2 && group.length === 1);
    // The handler set `last` before answering; the state the connect answer set came with the event.
    expect(server[0]).toEqual({ echoed: { n: 2 }, state: { joinedAt: 'connect', last: 'calc' } });
    expect(server[1]).toBe('echo hi');
    expect(statesIn).toEqual([{ joinedAt: 'connect' }, { joinedAt: 'connect', last: 'calc' }]);
    await expect(client.sendToGroup('elsewhere', 'x', 'text')).rejects.toMatchObject({ errorDetail: { name: 'Forbidden' } });

    client.stop();
    await waitFor(() => seen.disconnected.length === 1);
    expect(seen.disconnected[0]?.context.userId).toBe('amy-ok');
  });

  it('refuses the handshake with the status the handler failed connect with', async () => {
    const service = new WebPubSubServiceClient(emulator.webPubSubConnectionString, 'chat', { allowInsecureConnection: true });
    const { url } = await service.getClientAccessToken({ userId: 'banned' });
    await expect(openClient(url)).rejects.toMatchObject({ status: 401, body: 'banned user' });
  });
});
