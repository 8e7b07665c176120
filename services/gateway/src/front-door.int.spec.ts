import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceBusClient } from '@azure/service-bus';
import type { FastifyInstance } from 'fastify';
import { request, WebSocket } from 'undici';
import { CHAT_SUBPROTOCOL, type ChatEvent } from '@parley/contracts';
import { createRegistry } from '@parley/service-kit';
import { startServiceBus, type RunningProcess, type StandIn } from '@parley/testkit';
import { buildApp } from './app.js';
import { createServiceBusPublisher, type ServiceBusPublisher } from './chat-path/servicebus-publisher.js';
import { receiveSession, testBusClient } from './testing/bus.js';
import { startFrontDoor } from './testing/front-door.js';
import { eventually } from '@parley/testkit';
import { silentLogger, testConfig } from './testing/support.js';

/** A WebSocket client that keeps every text frame it gets. */
function open(url: string, protocols: string[]) {
  const socket = new WebSocket(url, protocols);
  const frames: Array<Record<string, unknown>> = [];
  socket.addEventListener('message', (event) => frames.push(JSON.parse(String(event.data)) as Record<string, unknown>));
  const opened = new Promise<boolean>((resolve) => {
    socket.addEventListener('open', () => resolve(true));
    socket.addEventListener('close', () => resolve(false));
    socket.addEventListener('error', () => resolve(false));
  });
  return { socket, frames, opened };
}

describe('gateway behind the local serverless WebSocket service', () => {
  let bus: StandIn;
  let client: ServiceBusClient;
  let publisher: ServiceBusPublisher;
  let gateway: FastifyInstance;
  let frontDoor: RunningProcess & { port: number };
  let gatewayBase: string;

  beforeAll(async () => {
    bus = await startServiceBus();
    client = testBusClient(bus.connectionString);
    publisher = createServiceBusPublisher({ client, partitions: 64, sendTimeoutMs: 5_000, batchMode: 'mixed', logger: silentLogger() });
    await publisher.open();
    gateway = await buildApp({ publisher, logger: silentLogger(), registry: createRegistry('gw') }, testConfig({ SERVICEBUS_CONNECTION_STRING: bus.connectionString }));
    await gateway.listen({ host: '127.0.0.1', port: 0 });
    const address = gateway.server.address();
    gatewayBase = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    frontDoor = await startFrontDoor(`${gatewayBase}/api/messages?event={event}`);
  });
  afterAll(async () => {
    await frontDoor?.stop();
    await gateway?.close();
    await publisher?.close();
    await client?.close();
    await bus?.stop();
  });

  const negotiate = async (name: string) => {
    const response = await request(`${gatewayBase}/api/negotiate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name }) });
    const answer = (await response.body.json()) as { url: string; accessToken: string };
    // The gateway's configured front door is not this test's (its port is ephemeral): keep path and query.
    const handedOut = new URL(answer.url);
    expect(handedOut.pathname).toBe('/ws/client/hubs/chat');
    return { url: `ws://127.0.0.1:${frontDoor.port}${handedOut.pathname}${handedOut.search}` };
  };

  it('connects with a negotiated URL, says hello, acks frames and queues the events in order', async () => {
    const { url } = await negotiate('alice');
    const { socket, frames, opened } = open(url, ['other.v1', CHAT_SUBPROTOCOL]);
    expect(await opened).toBe(true);
    expect(socket.protocol).toBe(CHAT_SUBPROTOCOL);
    await eventually(() => frames.length >= 1, 'hello', 10_000);
    expect(frames[0]).toMatchObject({ type: 'hello', user: 'alice', connectionId: expect.any(String) });
    const connectionId = String(frames[0]!.connectionId);

    socket.send(JSON.stringify({ type: 'send', id: 'w1', text: 'over the wire' }));
    socket.send('not json');
    await eventually(() => frames.length >= 3, 'two acks', 10_000);
    expect(frames[1]).toEqual({ type: 'ack', id: 'w1', ok: true });
    expect(frames[2]).toMatchObject({ type: 'ack', ok: false, error: { code: 'PARLEY_FRAME_NOT_JSON' } });
    socket.close();

    const received = await receiveSession(client, connectionId, { count: 3, waitMs: 10_000 });
    expect(received.map((message) => message.subject)).toEqual(['chat.connected', 'chat.message', 'chat.disconnected']);
    expect(received.every((message) => (message.body as ChatEvent).metadata.userId === 'alice')).toBe(true);
  });

  it('fails the handshake when parley.chat.v1 is not offered', async () => {
    const { url } = await negotiate('bob');
    const { opened } = open(url, ['graphql-ws']);
    expect(await opened).toBe(false);
  });

  it('fails the handshake with a bad token', async () => {
    const { opened } = open(`ws://127.0.0.1:${frontDoor.port}/ws/client/hubs/chat?access_token=forged`, [CHAT_SUBPROTOCOL]);
    expect(await opened).toBe(false);
  });
});
