import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceBusClient } from '@azure/service-bus';
import { conversationKey, ErrorCodes, lobby, Tables, type ChatEvent, type ClientFrame, type NotifierCommand } from '@parley/contracts';
import { startAzurite, startServiceBus, type StandIn } from '@parley/testkit';
import { drainNotifications, events, parleyBusConfig, redelivery, sendEvents, testBusClient } from './testing/bus.js';
import { commandsByEvent, startTestWorker, tableRows, waitFor, type TestWorker } from './testing/worker.js';

/**
 * Display names: `chat.profile` in, names beside the ids in the frames out, through the real
 * broker and Azurite. The notifications queue runs without duplicate detection, so a
 * reprocessed event shows its commands again and they can be compared.
 */
describe('chat-worker: display names from chat.profile', { timeout: 120_000 }, () => {
  let bus: StandIn;
  let azurite: StandIn;
  let client: ServiceBusClient;
  let worker: TestWorker;
  let handled = 0;

  const alice = { user: 'alice-oid', connectionId: 'conn-alice-1' };
  const bob = { user: 'bob-oid', connectionId: 'conn-bob-1' };

  async function process(...list: (ChatEvent | { body: unknown; sessionId: string; messageId?: string })[]): Promise<void> {
    await sendEvents(client, list);
    handled += list.length;
    await waitFor(() => worker.settled(), (n) => n >= handled, 30_000, `${handled} settled messages`);
  }
  const say = (who: typeof alice, frame: ClientFrame) => events.message(who, frame);
  /** The frames the event's commands carry, in command order. */
  const framesOf = (sent: Awaited<ReturnType<typeof drainNotifications>>, event: ChatEvent) =>
    (commandsByEvent(sent).get(event.metadata.eventId) ?? []).map((c) => (c.command as Extract<NotifierCommand, { frame: unknown }>).frame).filter(Boolean);

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

  it('names the user in their presence, in the state others get, and in their messages (stored and in history)', async () => {
    await process(events.profile(alice, 'Alice Liddell'));
    const aliceConnects = events.connected(alice);
    await process(aliceConnects);
    const bobConnects = events.connected(bob);
    await process(bobConnects);
    const hello = say(alice, { type: 'send', id: 'a1', text: 'hello' });
    const join = say(alice, { type: 'join', id: 'a2', room: 'tea' });
    await process(hello, join);
    const history = say(bob, { type: 'history', id: 'b1', limit: 10 });
    await process(history);
    const sent = await drainNotifications(client, 8);

    expect(framesOf(sent, aliceConnects)).toEqual([
      { type: 'state', rooms: [], online: ['alice-oid'], names: { 'alice-oid': 'Alice Liddell' } },
      { type: 'presence', user: 'alice-oid', online: true, name: 'Alice Liddell' },
    ]);
    // bob has no profile: his id is shown; alice's name comes with the online list.
    expect(framesOf(sent, bobConnects)).toEqual([
      { type: 'state', rooms: [], online: ['alice-oid', 'bob-oid'], names: { 'alice-oid': 'Alice Liddell' } },
      { type: 'presence', user: 'bob-oid', online: true },
    ]);
    expect(framesOf(sent, hello)).toEqual([expect.objectContaining({ type: 'message', from: 'alice-oid', fromName: 'Alice Liddell', text: 'hello' })]);
    expect(framesOf(sent, join)).toContainEqual({ type: 'room', room: 'tea', user: 'alice-oid', userName: 'Alice Liddell', event: 'joined' });
    const [answer] = framesOf(sent, history);
    expect(answer).toMatchObject({ type: 'history', messages: [expect.objectContaining({ from: 'alice-oid', fromName: 'Alice Liddell', text: 'hello' })] });
    const rows = (await tableRows(azurite.connectionString, Tables.messages)).filter((row) => row.partitionKey === conversationKey('chat', lobby()) && row.messageId);
    expect(rows).toEqual([expect.objectContaining({ from: 'alice-oid', fromName: 'Alice Liddell' })]);
    // The name lives on the presence row, beside the presence columns it does not disturb.
    const presence = await tableRows(azurite.connectionString, Tables.presence);
    expect(presence.find((row) => row.user === 'alice-oid')).toMatchObject({ name: 'Alice Liddell', online: true, connectionCount: 1 });
  });

  it('a redelivery decides with the name the first attempt had; later messages carry the new one, announced at once', async () => {
    const first = say(alice, { type: 'send', id: 'a3', text: 'before' });
    await process(first);
    const before = await drainNotifications(client, 1);
    // Alice is online (her connection above): her new name reaches everyone as her presence.
    const renamed = events.profile(alice, 'Alice Pleasance');
    await process(renamed);
    await process(redelivery(first));
    const after = say(alice, { type: 'send', id: 'a4', text: 'after' });
    await process(after);
    const sent = await drainNotifications(client, 3);

    expect(framesOf(sent, renamed)).toEqual([{ type: 'presence', user: 'alice-oid', online: true, name: 'Alice Pleasance' }]);
    expect(framesOf(before, first)).toEqual([expect.objectContaining({ fromName: 'Alice Liddell', text: 'before' })]);
    expect(framesOf(sent, first)).toEqual(framesOf(before, first));
    expect(framesOf(sent, after)).toEqual([expect.objectContaining({ fromName: 'Alice Pleasance', text: 'after' })]);
  });

  it('a user with only a profile (signed in, never connected) is not a known user', async () => {
    await process(events.profile({ user: 'carol-oid' }, 'Carol'));
    const direct = say(alice, { type: 'send', id: 'a5', to: 'carol-oid', text: 'hi carol' });
    await process(direct);
    const sent = await drainNotifications(client, 1);
    expect(framesOf(sent, direct)).toEqual([expect.objectContaining({ type: 'error', id: 'a5', error: expect.objectContaining({ code: ErrorCodes.unknownUser }) })]);
  });

  it('a worker that takes the session over reads the name from the table', async () => {
    await worker.stop();
    handled = 0;
    worker = await startTestWorker({ bus: bus.connectionString, tables: azurite.connectionString });
    const afterHandover = say(alice, { type: 'send', id: 'a6', text: 'still me' });
    await process(afterHandover);
    const sent = await drainNotifications(client, 1);
    expect(framesOf(sent, afterHandover)).toEqual([expect.objectContaining({ from: 'alice-oid', fromName: 'Alice Pleasance', text: 'still me' })]);
  });
});
