import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Server } from 'node:http';
import { join } from 'node:path';
import type { ServiceBusClient } from '@azure/service-bus';
import { request, WebSocket } from 'undici';
import { CHAT_SUBPROTOCOL, type NotifierEnvelope } from '@parley/contracts';
import { eventually, pinoReady, startProcess, startServiceBus, startTables, WORKSPACE_ROOT, type RunningProcess, type StandIn, type WebPubSubStandIn } from '@parley/testkit';
import type { EventPublisher } from './chat-path/publisher.js';
import { drainNextNotificationSession, testBusClient } from './testing/bus.js';
import { startGatewayCopy, stopGatewayCopy, type GatewayCopy } from './testing/gateway-copy.js';
import { webPubSubBehindRoundRobin } from './testing/round-robin.js';

/**
 * Two gateway copies on the Web PubSub dialect behind a round-robin, the local Web PubSub
 * service in front and a real chat-worker behind: connections opened and closed at once end
 * offline, open ones online, whichever copy handled which of their calls and in whichever
 * order their events reached the bus (one copy is slow to send `chat.connected`).
 */
describe('two gateways behind a round-robin, Web PubSub dialect', { timeout: 180_000 }, () => {
  let bus: StandIn;
  let tables: StandIn;
  let webPubSub: WebPubSubStandIn;
  let worker: RunningProcess;
  let proxy: Server;
  const gateways: GatewayCopy[] = [];
  let reader: ServiceBusClient;
  const commands: NotifierEnvelope[] = [];

  async function readCommands(): Promise<void> {
    commands.push(...(await drainNextNotificationSession(reader, 1_000)));
  }

  beforeAll(async () => {
    let front: { proxy: Server; webPubSub: WebPubSubStandIn };
    [bus, tables, front] = await Promise.all([startServiceBus(), startTables(), webPubSubBehindRoundRobin(() => gateways.map((gateway) => gateway.base))]);
    ({ proxy, webPubSub } = front);
    worker = await startProcess({
      name: 'chat-worker',
      command: process.execPath,
      args: ['--import', 'tsx', join(WORKSPACE_ROOT, 'services/chat-worker/src/main.ts')],
      env: { PORT: '0', LOG_LEVEL: 'warn', SERVICEBUS_CONNECTION_STRING: bus.connectionString, TABLES_CONNECTION_STRING: tables.connectionString },
      ready: pinoReady,
    });
    const env = {
      SERVICEBUS_CONNECTION_STRING: bus.connectionString,
      WEBSOCKET_SERVICE: 'webpubsub',
      SIGNALR_CONNECTION_STRING: undefined,
      SIGNALR_SECONDARY_KEY: undefined,
      WEBPUBSUB_CONNECTION_STRING: webPubSub.connectionString,
    };
    for (let copy = 0; copy < 2; copy++) {
      // Copy 0 is a slow pod: its `chat.connected` reaches the bus 1.5 s late (a busy node, a bus retry),
      // so a disconnect handled by copy 1 meanwhile gets there first.
      const slow = (publisher: EventPublisher): EventPublisher => ({
        publish: async (event) => {
          if (event.type === 'chat.connected') await new Promise((resolve) => setTimeout(resolve, 1_500));
          return publisher.publish(event);
        },
        ready: () => publisher.ready(),
        close: () => publisher.close(),
      });
      gateways.push(await startGatewayCopy(`gateway-copy-${copy}`, env, copy === 0 ? slow : undefined));
    }
    reader = testBusClient(bus.connectionString);
  });
  afterAll(async () => {
    await webPubSub?.stop();
    for (const gateway of gateways) await stopGatewayCopy(gateway);
    proxy?.close();
    await reader?.close();
    await worker?.kill();
    await Promise.all([bus?.stop(), tables?.stop()]);
  });

  /** Opens a connection as the page does (negotiate, then the URL it hands out) and waits for its hello. */
  async function connect(name: string): Promise<{ socket: WebSocket; connectionId: string; frames: Record<string, unknown>[] }> {
    const response = await request(`${gateways[0]!.base}/api/negotiate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name }) });
    const { url } = (await response.body.json()) as { url: string };
    const socket = new WebSocket(url, [CHAT_SUBPROTOCOL]);
    const frames: Record<string, unknown>[] = [];
    socket.addEventListener('message', (event) => frames.push(JSON.parse(String(event.data)) as Record<string, unknown>));
    await eventually(() => frames.some((frame) => frame.type === 'hello'), `hello for ${name}`, 30_000);
    return { socket, connectionId: String(frames.find((frame) => frame.type === 'hello')!.connectionId), frames };
  }

  /** Opens a connection and closes it the moment it is open: its calls race through the two copies. */
  async function blink(name: string): Promise<void> {
    const response = await request(`${gateways[1]!.base}/api/negotiate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name }) });
    const { url } = (await response.body.json()) as { url: string };
    const socket = new WebSocket(url, [CHAT_SUBPROTOCOL]);
    await new Promise<void>((resolve, reject) => {
      socket.addEventListener('open', () => {
        socket.close();
        resolve();
      });
      socket.addEventListener('error', () => reject(new Error(`${name} could not connect`)));
    });
  }

  it('connections opened and closed at once end offline, the others online, and a newcomer\'s state says so', async () => {
    const open = Array.from({ length: 5 }, (_, i) => `wps-open-${i}`);
    const closed = Array.from({ length: 30 }, (_, i) => `wps-blink-${i}`);
    const connections = await Promise.all(open.map((user) => connect(user)));
    // Opened and closed at once, their `connected` and `disconnected` through different copies.
    await Promise.all(closed.map((user) => blink(user)));

    const lastPresence = (user: string) =>
      commands
        .filter((c) => c.data.action === 'sendToAll' && c.data.frame.type === 'presence' && c.data.frame.user === user)
        .map((c) => (c.data as { frame: { online: boolean } }).frame.online)
        .at(-1);
    await eventually(
      async () => {
        await readCommands();
        return closed.every((user) => lastPresence(user) === false) && open.every((user) => lastPresence(user) === true);
      },
      'presence: the closed ones offline, the open ones online',
      90_000,
    );

    // A newcomer's state is read from the presence rows: exactly the open ones (and itself) are online.
    const newcomer = await connect('wps-newcomer');
    const state = (list: readonly NotifierEnvelope[]) =>
      list.find((c) => c.data.action === 'sendToConnection' && c.data.connectionId === newcomer.connectionId && c.data.frame.type === 'state');
    await eventually(async () => {
      await readCommands();
      return state(commands) !== undefined;
    }, 'the newcomer\'s state', 60_000);
    expect((state(commands)!.data as { frame: { online: string[] } }).frame.online).toEqual([...open, 'wps-newcomer'].sort());
    for (const connection of connections) connection.socket.close();
    newcomer.socket.close();
  });
});
