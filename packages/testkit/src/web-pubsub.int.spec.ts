import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebPubSubServiceClient } from '@azure/web-pubsub';
import { afterAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { eventually } from './process.js';
import { startWebPubSub, type WebPubSubStandIn } from './web-pubsub.js';

describe('startWebPubSub', () => {
  const started: WebPubSubStandIn[] = [];
  const events: string[] = [];
  const handler = createServer((req, res) => {
    if (req.method === 'OPTIONS') return res.writeHead(200, { 'webhook-allowed-origin': '*' }).end();
    events.push(`${req.url} ${String(req.headers['ce-type'])}`);
    res.writeHead(req.headers['ce-type'] === 'azure.webpubsub.sys.connect' ? 204 : 200).end();
  });
  afterAll(async () => {
    await Promise.all(started.map((s) => s.stop()));
    handler.close();
  });

  it('starts the emulator with hub event handlers and gives what the SDK needs', async () => {
    await new Promise<void>((resolve) => handler.listen(0, '127.0.0.1', resolve));
    const handlerUrl = `http://127.0.0.1:${(handler.address() as AddressInfo).port}`;
    const wps = await startWebPubSub({ hubs: { chat: [{ UrlTemplate: `${handlerUrl}/{hub}/{event}`, SystemEvents: ['connect', 'connected'] }] } });
    started.push(wps);
    expect(wps.connectionString).toBe(`Endpoint=http://127.0.0.1;Port=${wps.port};AccessKey=${wps.accessKey};Version=1.0;`);
    const service = new WebPubSubServiceClient(wps.connectionString, 'chat', { allowInsecureConnection: true });
    const { url } = await service.getClientAccessToken({ userId: 'u1' });
    const ws = new WebSocket(url);
    const first = new Promise<string>((resolve) => ws.once('message', (data) => resolve(String(data))));
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    await eventually(() => events.includes('/chat/connected azure.webpubsub.sys.connected'), 'the connected event');
    expect(events[0]).toBe('/chat/connect azure.webpubsub.sys.connect');
    await service.sendToUser('u1', 'hi', { contentType: 'text/plain' });
    expect(await first).toBe('hi');
    ws.close();
  });
});
