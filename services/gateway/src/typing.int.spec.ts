import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Server } from 'node:http';
import type { ServiceBusClient } from '@azure/service-bus';
import { TableClient } from '@azure/data-tables';
import { AzureKeyCredential, WebPubSubServiceClient } from '@azure/web-pubsub';
import { request, WebSocket } from 'undici';
import { CHAT_SUBPROTOCOL, ErrorCodes, parseConnectionString, presenceKeys, roomMemberKeys, Tables } from '@parley/contracts';
import { eventually, startServiceBus, startTables, type StandIn, type WebPubSubStandIn } from '@parley/testkit';
import { receiveSession, testBusClient } from './testing/bus.js';
import { startGatewayCopy, stopGatewayCopy, type GatewayCopy } from './testing/gateway-copy.js';
import { webPubSubBehindRoundRobin } from './testing/round-robin.js';

type Frame = Record<string, unknown>;

/**
 * Typing, relayed by the gateway itself: two gateway copies behind a round-robin (one
 * connection's frames land on both), the local Web PubSub service in front, the stack's Table
 * service holding the rows a chat-worker would have written, and no worker or notifier at all —
 * a typing notice reaches the room without them, and nothing of it goes on the bus.
 */
describe('gateway: typing relayed straight to the WebSocket service, two copies', { timeout: 120_000 }, () => {
  let bus: StandIn;
  let tables: StandIn;
  let webPubSub: WebPubSubStandIn;
  let proxy: Server;
  let reader: ServiceBusClient;
  const gateways: GatewayCopy[] = [];

  beforeAll(async () => {
    let front: { proxy: Server; webPubSub: WebPubSubStandIn };
    [bus, tables, front] = await Promise.all([startServiceBus(), startTables(), webPubSubBehindRoundRobin(() => gateways.map((gateway) => gateway.base))]);
    ({ proxy, webPubSub } = front);
    await seedRows(tables.connectionString);
    const env = {
      SERVICEBUS_CONNECTION_STRING: bus.connectionString,
      TABLES_CONNECTION_STRING: tables.connectionString,
      WEBSOCKET_SERVICE: 'webpubsub',
      SIGNALR_CONNECTION_STRING: undefined,
      SIGNALR_SECONDARY_KEY: undefined,
      WEBPUBSUB_CONNECTION_STRING: webPubSub.connectionString,
    };
    for (let copy = 0; copy < 2; copy++) gateways.push(await startGatewayCopy(`gateway-typing-${copy}`, env));
    reader = testBusClient(bus.connectionString);
  });
  afterAll(async () => {
    await webPubSub?.stop();
    for (const gateway of gateways) await stopGatewayCopy(gateway);
    proxy?.close();
    await reader?.close();
    await Promise.all([bus?.stop(), tables?.stop()]);
  });

  /** What a chat-worker would have written: alice and bob in room `dev`, alice in `flood`, all three users seen, alice's display name. */
  async function seedRows(connectionString: string): Promise<void> {
    const messages = TableClient.fromConnectionString(connectionString, Tables.messages, { allowInsecureConnection: true });
    const presence = TableClient.fromConnectionString(connectionString, Tables.presence, { allowInsecureConnection: true });
    await Promise.all([messages.createTable(), presence.createTable()]);
    for (const user of ['alice', 'bob']) await messages.createEntity({ ...roomMemberKeys('chat', 'dev', user), user });
    await messages.createEntity({ ...roomMemberKeys('chat', 'flood', 'alice'), user: 'alice' });
    const seen = new Date().toISOString();
    await presence.createEntity({ ...presenceKeys('chat', 'alice'), lastSeen: seen, name: 'Alice A' });
    for (const user of ['bob', 'mallory']) await presence.createEntity({ ...presenceKeys('chat', user), lastSeen: seen });
  }

  /** Opens a connection as the page does (negotiate, then the URL it hands out) and waits for its hello. */
  async function connect(name: string) {
    const response = await request(`${gateways[0]!.base}/api/negotiate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name }) });
    const { url } = (await response.body.json()) as { url: string };
    const socket = new WebSocket(url, [CHAT_SUBPROTOCOL]);
    const frames: Frame[] = [];
    socket.addEventListener('message', (event) => frames.push(JSON.parse(String(event.data)) as Frame));
    await eventually(() => frames.some((frame) => frame.type === 'hello'), `hello for ${name}`, 30_000);
    /** Sends a frame and waits for its ack (the gateway answers typing with the relay's outcome). */
    const ask = async (frame: Frame): Promise<Frame> => {
      socket.send(JSON.stringify(frame));
      await eventually(() => frames.some((f) => f.type === 'ack' && f.id === frame.id), `ack ${String(frame.id)}`, 10_000);
      return frames.find((f) => f.type === 'ack' && f.id === frame.id)!;
    };
    const typingSeen = () => frames.filter((f) => f.type === 'typing');
    return { socket, frames, ask, typingSeen, connectionId: String(frames.find((frame) => frame.type === 'hello')!.connectionId) };
  }

  it('relays a member’s typing to the room and to a direct chat; refuses outsiders, unknown receivers and floods with coded acks', async () => {
    const alice = await connect('alice');
    const bob = await connect('bob');
    const mallory = await connect('mallory');
    // As the notifier does on join: the members' connections are in the room's group.
    const { baseUrl, accessKey } = (() => {
      const parsed = parseConnectionString(webPubSub.connectionString);
      if (!parsed.ok) throw new Error(parsed.error.message);
      return parsed.value;
    })();
    const service = new WebPubSubServiceClient(baseUrl, new AzureKeyCredential(accessKey), 'chat', { allowInsecureConnection: true });
    for (const user of ['alice', 'bob']) await service.group('room:dev').addUser(user);

    expect(await alice.ask({ type: 'typing', id: 't1', room: 'dev' })).toEqual({ type: 'ack', id: 't1', ok: true });
    await eventually(() => bob.typingSeen().length === 1, 'bob sees alice typing in dev', 10_000);
    expect(bob.typingSeen()[0]).toEqual({ type: 'typing', user: 'alice', name: 'Alice A', room: 'dev' });

    // Refused with a code, relayed to nobody.
    expect(await mallory.ask({ type: 'typing', id: 'm1', room: 'dev' })).toMatchObject({ ok: false, error: { code: ErrorCodes.notMember } });
    expect(await alice.ask({ type: 'typing', id: 't2', to: 'nobody' })).toMatchObject({ ok: false, error: { code: ErrorCodes.unknownUser } });
    expect(await alice.ask({ type: 'typing', id: 't3', to: 'alice' })).toMatchObject({ ok: false, error: { code: ErrorCodes.selfMessage } });

    // A flood in one conversation, its frames spread over both copies: at most one per copy gets through.
    const flood = [];
    for (let i = 0; i < 6; i++) flood.push(await alice.ask({ type: 'typing', id: `f${i}`, room: 'flood' }));
    const refused = flood.filter((ack) => ack.ok === false);
    expect(refused.map((ack) => (ack.error as { code: string }).code)).toEqual(Array(refused.length).fill(ErrorCodes.typingThrottled));
    expect(refused.length).toBeGreaterThanOrEqual(flood.length - gateways.length);

    // The marker: alice's direct typing to bob, after all of the above was answered.
    expect(await alice.ask({ type: 'typing', id: 't4', to: 'bob' })).toEqual({ type: 'ack', id: 't4', ok: true });
    await eventually(() => bob.typingSeen().some((f) => f.to === 'bob'), 'bob sees alice typing to him', 10_000);
    expect(bob.typingSeen()).toEqual([
      { type: 'typing', user: 'alice', name: 'Alice A', room: 'dev' },
      { type: 'typing', user: 'alice', name: 'Alice A', to: 'bob' },
    ]);
    expect(mallory.typingSeen()).toEqual([]);

    // Nothing of it on the bus: a stored frame after the typing frames, and alice's events there are her connect and that frame.
    expect(await alice.ask({ type: 'send', id: 'marker', room: 'dev', text: 'after typing' })).toMatchObject({ ok: true });
    const queued = await receiveSession(reader, alice.connectionId, { count: 2, waitMs: 30_000 });
    const kinds = queued.map((message) => {
      const body = message.body as { type: string; data?: { frame?: { type: string } } };
      return body.type === 'chat.message' ? `chat.message:${String(body.data?.frame?.type)}` : body.type;
    });
    expect(kinds.sort()).toEqual(['chat.connected', 'chat.message:send']);
    for (const client of [alice, bob, mallory]) client.socket.close();
  });
});
