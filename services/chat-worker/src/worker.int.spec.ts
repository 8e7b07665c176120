import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceBusClient } from '@azure/service-bus';
import { conversationKey, directConversation, lobby, memberOfRowKey, roomConversation, Tables, type ChatEvent, type ClientFrame } from '@parley/contracts';
import { startAzurite, startServiceBus, type StandIn } from '@parley/testkit';
import { drainNotifications, events, parleyBusConfig, readDeadLetters, redelivery, sendEvents, testBusClient } from './testing/bus.js';
import { commandsByEvent, startTestWorker, tableRows, waitFor, type ReceivedCommand, type TestWorker } from './testing/worker.js';

/**
 * Events in, tables and `notifications` out, through the real broker and
 * Azurite. The notifications queue runs without duplicate detection here, so
 * a reprocessed event shows its commands again and their ids can be compared.
 */
describe('chat-worker: events in, tables and notifier commands out', { timeout: 90_000 }, () => {
  let bus: StandIn;
  let azurite: StandIn;
  let client: ServiceBusClient;
  let worker: TestWorker;
  let handled = 0;

  const alice = { user: 'alice', connectionId: 'conn-alice-1' };
  const bob = { user: 'bob', connectionId: 'conn-bob-1' };

  /** Sends events and waits until the worker settled all of them (so later steps see their effects). */
  async function process(...list: (ChatEvent | { body: unknown; sessionId: string; messageId?: string })[]): Promise<void> {
    await sendEvents(client, list);
    handled += list.length;
    await waitFor(() => worker.settled(), (n) => n >= handled, 30_000, `${handled} settled messages`);
  }
  const say = (who: typeof alice, frame: ClientFrame) => events.message(who, frame);
  const only = (map: Map<string, ReceivedCommand[]>, event: ChatEvent) => (map.get(event.metadata.eventId) ?? []).map((c) => c.command);
  // Message rows only: a conversation's partition also holds the claims of frames aimed at it and a room's member rows.
  const messageRows = async (conversation: string) =>
    (await tableRows(azurite.connectionString, Tables.messages)).filter((row) => row.partitionKey === conversation && row.messageId !== undefined);

  beforeAll(async () => {
    [bus, azurite] = await Promise.all([startServiceBus({ config: parleyBusConfig({ notifications: { RequiresDuplicateDetection: false } }) }), startAzurite()]);
    client = testBusClient(bus.connectionString);
    worker = await startTestWorker({ bus: bus.connectionString, tables: azurite.connectionString });
  });
  afterAll(async () => {
    await worker?.stop();
    await client?.close();
    await Promise.all([bus?.stop(), azurite?.stop()]);
  });

  it('connected: registers the connection, sends the state and announces the first connection only', async () => {
    const first = events.connected(alice);
    await process(first);
    const second = events.connected({ ...alice, connectionId: 'conn-alice-2' });
    await process(second, events.connected(bob));

    const sent = commandsByEvent(await drainNotifications(client, 5));
    expect(only(sent, first)).toEqual([
      { action: 'sendToConnection', hub: 'chat', connectionId: 'conn-alice-1', frame: { type: 'state', rooms: [], online: ['alice'] } },
      { action: 'sendToAll', hub: 'chat', frame: { type: 'presence', user: 'alice', online: true } },
    ]);
    expect(only(sent, second)).toEqual([
      { action: 'sendToConnection', hub: 'chat', connectionId: 'conn-alice-2', frame: { type: 'state', rooms: [], online: ['alice'] } },
    ]);
    const presence = await tableRows(azurite.connectionString, Tables.presence);
    expect(presence.find((row) => row.user === 'alice')).toMatchObject({ online: true, connectionCount: 2 });
    expect(presence.find((row) => row.user === 'bob')).toMatchObject({ online: true, connectionCount: 1 });
    expect((await tableRows(azurite.connectionString, Tables.connections)).map((row) => row.connectionId).sort()).toEqual(['conn-alice-1', 'conn-alice-2', 'conn-bob-1']);
  });

  it('rooms, private and lobby messages, history and rejections follow the chat rules', async () => {
    const join = say(alice, { type: 'join', id: 'j1', room: 'dev' });
    await process(join);
    const outsider = say(bob, { type: 'send', id: 'b1', room: 'dev', text: 'let me in' });
    const invite = say(alice, { type: 'invite', id: 'i1', room: 'dev', user: 'bob' });
    await process(outsider);
    await process(invite);
    const inRoom = say(bob, { type: 'send', id: 'b2', room: 'dev', text: 'hello dev' });
    const direct = say(alice, { type: 'send', id: 'p1', to: 'bob', text: 'psst' });
    const unknown = say(alice, { type: 'send', id: 'p2', to: 'carol', text: 'anyone?' });
    const lobbyMessage = say(bob, { type: 'send', id: 'b3', text: 'hi all' });
    await process(inRoom, direct, unknown, lobbyMessage);
    const history = say(bob, { type: 'history', id: 'h1', room: 'dev', limit: 10 });
    const leave = say(alice, { type: 'leave', id: 'l1', room: 'dev' });
    await process(history);
    await process(leave);

    const sent = commandsByEvent(await drainNotifications(client, 14));
    expect(only(sent, join)).toEqual([
      { action: 'addUserToGroup', hub: 'chat', group: 'room:dev', userId: 'alice' },
      { action: 'sendToGroup', hub: 'chat', group: 'room:dev', frame: { type: 'room', room: 'dev', user: 'alice', event: 'joined' } },
    ]);
    expect(only(sent, outsider)).toEqual([
      { action: 'sendToConnection', hub: 'chat', connectionId: 'conn-bob-1', frame: { type: 'error', id: 'b1', error: { code: 'PARLEY_NOT_MEMBER', message: 'you are not a member of room "dev"' } } },
    ]);
    expect(only(sent, invite)[1]).toEqual({ action: 'sendToGroup', hub: 'chat', group: 'room:dev', frame: { type: 'room', room: 'dev', user: 'bob', event: 'invited', by: 'alice' } });
    const helloDev = { type: 'message', id: inRoom.metadata.eventId, clientId: 'b2', from: 'bob', room: 'dev', text: 'hello dev', at: inRoom.metadata.receivedAt };
    expect(only(sent, inRoom)).toEqual([{ action: 'sendToGroup', hub: 'chat', group: 'room:dev', frame: helloDev }]);
    expect(only(sent, direct).map((c) => c.action === 'sendToUser' && c.userId)).toEqual(['bob', 'alice']);
    expect(only(sent, unknown)[0]).toMatchObject({ frame: { type: 'error', id: 'p2', error: { code: 'PARLEY_UNKNOWN_USER' } } });
    expect(only(sent, lobbyMessage)[0]).toMatchObject({ action: 'sendToAll', frame: { type: 'message', text: 'hi all', from: 'bob' } });
    expect(only(sent, history)).toEqual([
      { action: 'sendToConnection', hub: 'chat', connectionId: 'conn-bob-1', frame: { type: 'history', id: 'h1', room: 'dev', messages: [helloDev], next: null } },
    ]);
    expect(only(sent, leave).map((c) => c.action)).toEqual(['sendToGroup', 'removeUserFromGroup', 'sendToUser']);

    expect((await messageRows(conversationKey('chat', roomConversation('dev')))).map((row) => row.text)).toEqual(['hello dev']);
    expect((await messageRows(conversationKey('chat', lobby()))).map((row) => row.text)).toEqual(['hi all']);
    expect((await messageRows(conversationKey('chat', directConversation('alice', 'bob')))).map((row) => row.text)).toEqual(['psst']);
    const rooms = (await tableRows(azurite.connectionString, Tables.messages)).filter((row) => memberOfRowKey(String(row.rowKey)) !== undefined);
    expect(rooms.map((row) => row.user)).toEqual(['bob']);
    expect(rooms[0]).toMatchObject({ eventId: invite.metadata.eventId });
    const memberships = await tableRows(azurite.connectionString, Tables.memberships);
    expect(memberships.filter((row) => row.room !== undefined).map((row) => `${row.user}:${row.room}`)).toEqual(['bob:dev']);
    // The direct message listed the chat for both of them.
    expect(memberships.filter((row) => row.peer !== undefined).map((row) => `${row.user}→${row.peer}`)).toEqual(['alice→bob', 'bob→alice']);
  });

  it('a redelivered event changes no table and emits the very same command ids again', async () => {
    const message = say(bob, { type: 'send', id: 'b4', room: 'dev', text: 'once' });
    const leave = say(bob, { type: 'leave', id: 'l2', room: 'dev' });
    await process(message, leave);
    const first = commandsByEvent(await drainNotifications(client, 4));
    const rowsBefore = await messageRows(conversationKey('chat', roomConversation('dev')));

    // Both again, after the leave already removed bob: the frozen rule state still decides "left", not "not a member".
    await process(redelivery(message), redelivery(leave));
    const again = commandsByEvent(await drainNotifications(client, 4));

    expect(await messageRows(conversationKey('chat', roomConversation('dev')))).toEqual(rowsBefore);
    expect(rowsBefore.filter((row) => row.text === 'once')).toHaveLength(1);
    for (const event of [message, leave]) {
      const ids = (map: Map<string, ReceivedCommand[]>) => (map.get(event.metadata.eventId) ?? []).map((c) => `${c.commandId}@${c.sessionId}`);
      expect(ids(again)).toEqual(ids(first));
      expect(only(again, event)).toEqual(only(first, event));
    }
    expect(only(again, leave)[0]).toMatchObject({ frame: { type: 'room', event: 'left', user: 'bob' } });
  });

  it('a resent frame (new event id, same client id) is stored and delivered once', async () => {
    const original = say(alice, { type: 'send', id: 'dup-1', text: 'only once' });
    const resend = say({ ...alice, connectionId: 'conn-alice-2' }, { type: 'send', id: 'dup-1', text: 'only once' });
    await process(original);
    await process(resend);

    const sent = commandsByEvent(await drainNotifications(client, 1));
    expect(only(sent, original)).toHaveLength(1);
    expect(sent.has(resend.metadata.eventId)).toBe(false);
    const lobbyRows = await messageRows(conversationKey('chat', lobby()));
    expect(lobbyRows.filter((row) => row.clientId === 'dup-1')).toEqual([expect.objectContaining({ messageId: original.metadata.eventId })]);
    // Both events are in the log: the log keeps what happened, the projections what it means.
    const logged = (await tableRows(azurite.connectionString, Tables.events)).map((row) => row.rowKey);
    expect(logged).toEqual(expect.arrayContaining([original.metadata.eventId, resend.metadata.eventId]));
  });

  it('replayed events rebuild projections without notifying, unless notify is asked for', async () => {
    const quiet = events.message({ ...bob, replayed: true }, { type: 'send', id: 'rp-1', text: 'replayed' });
    const loud = events.message({ ...bob, replayed: true, notify: true }, { type: 'send', id: 'rp-2', text: 'replayed loudly' });
    await process(quiet, loud);

    const sent = commandsByEvent(await drainNotifications(client, 1));
    expect(sent.has(quiet.metadata.eventId)).toBe(false);
    expect(only(sent, loud)).toHaveLength(1);
    const texts = (await messageRows(conversationKey('chat', lobby()))).map((row) => row.text);
    expect(texts).toEqual(expect.arrayContaining(['replayed', 'replayed loudly']));
  });

  it('disconnected: the last connection to go announces the user offline', async () => {
    const firstGoes = events.disconnected(alice);
    await process(firstGoes);
    const lastGoes = events.disconnected({ ...alice, connectionId: 'conn-alice-2' });
    await process(lastGoes);

    const sent = commandsByEvent(await drainNotifications(client, 1));
    expect(sent.has(firstGoes.metadata.eventId)).toBe(false);
    expect(only(sent, lastGoes)).toEqual([{ action: 'sendToAll', hub: 'chat', frame: { type: 'presence', user: 'alice', online: false } }]);
    const presence = await tableRows(azurite.connectionString, Tables.presence);
    expect(presence.find((row) => row.user === 'alice')).toMatchObject({ online: false, connectionCount: 0, lastSeen: lastGoes.metadata.receivedAt });
  });

  it('dead-letters invalid envelopes and events of another hub at once, with the code as reason', async () => {
    const otherHub = events.message({ ...bob, hub: 'elsewhere' }, { type: 'send', id: 'x1', text: 'hi' });
    await process(
      { body: { type: 'chat.message', version: 1, data: {}, metadata: {} }, sessionId: 'p-01', messageId: 'bad-1' },
      { body: { type: 'chat.teleported', version: 1 }, sessionId: 'p-01', messageId: 'bad-2' },
      { body: otherHub, sessionId: 'p-02', messageId: otherHub.metadata.eventId },
    );

    const dead = await readDeadLetters(client, 3);
    const reasons = Object.fromEntries(dead.map((m) => [m.messageId, { reason: m.deadLetterReason, deliveries: m.deliveryCount }]));
    expect(reasons['bad-1']).toEqual({ reason: 'PARLEY_ENVELOPE_INVALID', deliveries: 0 });
    expect(reasons['bad-2']).toEqual({ reason: 'PARLEY_ENVELOPE_UNKNOWN_TYPE', deliveries: 0 });
    expect(reasons[otherHub.metadata.eventId]).toEqual({ reason: 'PARLEY_WORKER_HUB_MISMATCH', deliveries: 0 });
    expect(await drainNotifications(client, 0, 5_000)).toEqual([]);
  });
});
