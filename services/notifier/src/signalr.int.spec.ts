import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceBusClient } from '@azure/service-bus';
import { Registry } from 'prom-client';
import type { MessageFrame, NotifierCommand } from '@parley/contracts';
import { roomGroup } from '@parley/contracts';
import { createBusClient, createLogger } from '@parley/service-kit';
import { startServiceBus, startSignalR, type StandIn } from '@parley/testkit';
import { loadConfig, type NotifierConfig } from './config.js';
import { buildNotifier, type Notifier } from './service.js';
import { sendCommands } from './testing/bus.js';
import { eventually } from '@parley/testkit';
import { openChatSocket, startHelloUpstream, type ChatSocket } from './testing/ws-clients.js';

const hub = 'chat';
let ids = 0;
const message = (text: string, room?: string): MessageFrame => ({
  type: 'message',
  id: `m-${++ids}`,
  clientId: `c-${ids}`,
  from: 'system',
  ...(room ? { room } : {}),
  text,
  at: new Date().toISOString(),
});
const isText = (text: string) => (frame: Record<string, unknown>) => frame.text === text;

/**
 * The two dialects the notifier speaks: the seed one and Web PubSub. The one
 * emulator process serves both faces with shared connections and groups, so
 * the same seed ws clients receive what either REST API sends.
 */
const variants: Array<{ name: string; env: (service: { connectionString: string; webPubSubConnectionString: string }) => Record<string, string> }> = [
  { name: 'seed dialect', env: (s) => ({ SIGNALR_CONNECTION_STRING: s.connectionString }) },
  { name: 'Web PubSub', env: (s) => ({ WEBSOCKET_SERVICE: 'webpubsub', WEBPUBSUB_CONNECTION_STRING: s.webPubSubConnectionString }) },
];

/** The notifier between the real broker and the real local WebSocket service, with real ws clients. */
describe.each(variants)('notifier against the local WebSocket service: $name', (variant) => {
  let servicebus: StandIn;
  let signalr: Awaited<ReturnType<typeof startSignalR>>;
  let upstream: Awaited<ReturnType<typeof startHelloUpstream>>;
  let bus: ServiceBusClient;
  let notifier: Notifier;
  let registry: Registry;
  let config: NotifierConfig;
  const sockets: ChatSocket[] = [];

  const open = async (user: string) => {
    const socket = await openChatSocket(signalr.baseUrl, hub, user);
    sockets.push(socket);
    return socket;
  };
  const send = (...commands: NotifierCommand[]) => sendCommands(bus, commands);
  /** Proves `socket` got everything sent to it so far: a later marker to its connection arrives, the same session keeps order. */
  const settle = async (socket: ChatSocket) => {
    const marker = message(`marker-${socket.user}-${ids}`);
    await send({ action: 'sendToConnection', hub, connectionId: socket.connectionId, frame: marker });
    await socket.waitForFrame(isText(marker.text), 'its marker');
  };
  const histogram = async (name: string, labels: Record<string, string>) => {
    const values = (await registry.getSingleMetric(name)?.get())?.values ?? [];
    const pick = (suffix: string) =>
      values.find((v) => (v as { metricName?: string }).metricName === `${name}_${suffix}` && Object.entries(labels).every(([k, val]) => v.labels[k] === val))?.value ?? 0;
    return { sum: pick('sum'), count: pick('count') };
  };
  const metric = async (name: string, labels: Record<string, string>) =>
    ((await registry.getSingleMetric(name)?.get())?.values ?? []).find((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val))?.value ?? 0;

  beforeAll(async () => {
    servicebus = await startServiceBus();
    const key = 'parley-dev-primary-key-0123456789abcdef';
    upstream = await startHelloUpstream(key);
    signalr = await startSignalR({ upstreamUrl: upstream.url });
    config = loadConfig({
      ...variant.env(signalr),
      SERVICEBUS_CONNECTION_STRING: servicebus.connectionString,
      MAX_CONCURRENT_SESSIONS: '4',
    });
    bus = createBusClient(config.bus);
    registry = new Registry();
    notifier = buildNotifier({ bus, logger: createLogger('notifier', 'warn'), registry }, config);
    notifier.start();
  });

  afterAll(async () => {
    await Promise.allSettled(sockets.map((s) => s.close()));
    await notifier?.stop();
    await bus?.close();
    await signalr?.stop();
    await upstream?.close();
    await servicebus?.stop();
  });

  it('adds connections to a group and a send to the group reaches exactly its ws clients', async () => {
    const [alice, bob, carol] = await Promise.all([open('alice'), open('bob'), open('carol')]);
    const group = roomGroup('dev');
    const hello = message('hello dev', 'dev');
    await send(
      { action: 'addConnectionToGroup', hub, group, connectionId: alice!.connectionId },
      { action: 'addConnectionToGroup', hub, group, connectionId: bob!.connectionId },
      { action: 'sendToGroup', hub, group, frame: hello },
    );
    expect(await alice!.waitForFrame(isText('hello dev'), 'the group message')).toEqual(hello);
    await bob!.waitForFrame(isText('hello dev'), 'the group message');
    await settle(carol!);
    expect(carol!.frames.some(isText('hello dev'))).toBe(false);
  });

  it('adds a user (every connection of it) to a group and removes it again', async () => {
    const [gina1, gina2, hank] = await Promise.all([open('gina'), open('gina'), open('hank')]);
    const group = roomGroup('qa');
    await send(
      { action: 'addUserToGroup', hub, group, userId: 'gina' },
      { action: 'addUserToGroup', hub, group, userId: 'hank' },
      { action: 'sendToGroup', hub, group, frame: message('qa one', 'qa') },
      { action: 'removeUserFromGroup', hub, group, userId: 'gina' },
      { action: 'sendToGroup', hub, group, frame: message('qa two', 'qa') },
    );
    await gina1!.waitForFrame(isText('qa one'), 'the first group message');
    await gina2!.waitForFrame(isText('qa one'), 'the first group message');
    await hank!.waitForFrame(isText('qa two'), 'the second group message');
    await Promise.all([settle(gina1!), settle(gina2!)]);
    expect([...gina1!.frames, ...gina2!.frames].some(isText('qa two'))).toBe(false);
  });

  it('sends to a user, to one connection and to everyone', async () => {
    const [ivan1, ivan2, judy] = await Promise.all([open('ivan'), open('ivan'), open('judy')]);
    await send({ action: 'sendToUser', hub, userId: 'ivan', frame: message('for ivan') });
    await ivan1!.waitForFrame(isText('for ivan'), 'the user message');
    await ivan2!.waitForFrame(isText('for ivan'), 'the user message');
    await send({ action: 'sendToConnection', hub, connectionId: ivan2!.connectionId, frame: message('for ivan2') });
    await ivan2!.waitForFrame(isText('for ivan2'), 'the connection message');
    await send({ action: 'sendToAll', hub, frame: message('for all') });
    await Promise.all([ivan1, ivan2, judy].map((s) => s!.waitForFrame(isText('for all'), 'the broadcast')));
    await Promise.all([settle(ivan1!), settle(judy!)]);
    expect(ivan1!.frames.some(isText('for ivan2'))).toBe(false);
    expect(judy!.frames.some(isText('for ivan'))).toBe(false);
  });

  it('delivers sends coalesced into one call as one batch frame, which clients read in order', async () => {
    const [olga1, olga2] = await Promise.all([open('olga'), open('olga')]);
    const texts = ['o1', 'o2', 'o3', 'o4', 'o5'];
    // Queued while no notifier runs, so the session's backlog is taken in batches.
    await notifier.stop();
    await send(...texts.map((text): NotifierCommand => ({ action: 'sendToUser', hub, userId: 'olga', frame: message(text) })));
    registry = new Registry();
    notifier = buildNotifier({ bus, logger: createLogger('notifier', 'warn'), registry }, config);
    notifier.start();
    for (const socket of [olga1!, olga2!]) {
      await socket.waitForFrame(isText('o5'), 'the last of the batch');
      expect(socket.frames.filter((f) => typeof f.text === 'string' && texts.includes(f.text)).map((f) => f.text)).toEqual(texts);
    }
    // Five frames in fewer calls (the backlog may reach the session as more than one batch).
    const calls = await histogram('parley_notifier_frames_per_call', { action: 'sendToUser' });
    expect(calls.sum).toBe(texts.length);
    expect(calls.count).toBeLessThan(texts.length);
  });

  it('closes a connection with the given reason', async () => {
    const kim = await open('kim');
    await send({ action: 'closeConnection', hub, connectionId: kim.connectionId, reason: 'signed out elsewhere' });
    const closed = await eventually(() => kim.closed(), 'the close');
    expect(closed.reason).toBe('signed out elsewhere');
  });

  it('completes commands for a connection that is gone and counts them', async () => {
    const leo = await open('leo');
    await leo.close();
    const before = await metric('parley_notifier_gone_connections_total', { action: 'addConnectionToGroup' });
    await send({ action: 'addConnectionToGroup', hub, group: roomGroup('gone'), connectionId: leo.connectionId });
    await eventually(async () => (await metric('parley_notifier_gone_connections_total', { action: 'addConnectionToGroup' })) === before + 1, 'the gone count');
    expect(await metric('parley_notifier_dead_letters_total', {})).toBe(0);
  });
});
