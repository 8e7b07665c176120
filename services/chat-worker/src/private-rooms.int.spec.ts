import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceBusClient } from '@azure/service-bus';
import { conversationKey, roomConversation, roomInfoKeys, Tables, type ChatEvent, type ClientFrame, type NotifierCommand } from '@parley/contracts';
import { startServiceBus, startTables, type StandIn } from '@parley/testkit';
import { drainNotifications, events, parleyBusConfig, redelivery, sendEvents, testBusClient } from './testing/bus.js';
import { commandsByEvent, startTestWorker, tableRows, waitFor, type TestWorker } from './testing/worker.js';

/**
 * Private rooms through the real broker and the stack's default Table service (emulators/tables):
 * the room's own row, refusals that store nothing, invitations, concurrent creations.
 * store/room-rows.int.spec.ts checks the write-once commit on Azurite as well.
 */
describe('chat-worker: private rooms', { timeout: 120_000 }, () => {
  let bus: StandIn;
  let tables: StandIn;
  let client: ServiceBusClient;
  let worker: TestWorker;
  let handled = 0;
  let sent = new Map<string, NotifierCommand[]>();

  const alice = { user: 'alice', connectionId: 'conn-alice' };
  const bob = { user: 'bob', connectionId: 'conn-bob' };
  const mallory = { user: 'mallory', connectionId: 'conn-mallory' };
  const say = (who: typeof alice, frame: ClientFrame) => events.message(who, frame);

  async function process(...list: ChatEvent[]): Promise<void> {
    await sendEvents(client, list);
    handled += list.length;
    await waitFor(() => worker.settled(), (n) => n >= handled, 60_000, `${handled} settled messages`);
    const commands = commandsByEvent(await drainNotifications(client, 0, 10_000));
    for (const [eventId, list] of commands) sent.set(eventId, [...(sent.get(eventId) ?? []), ...list.map((c) => c.command)]);
  }
  const commandsOf = (event: ChatEvent) => sent.get(event.metadata.eventId) ?? [];
  const errorCodeOf = (event: ChatEvent) => {
    const commands = commandsOf(event);
    expect(commands).toHaveLength(1);
    const [command] = commands;
    expect(command).toMatchObject({ action: 'sendToConnection', connectionId: event.metadata.connectionId });
    return (command as { frame: { type: string; error?: { code: string } } }).frame.error?.code;
  };
  const roomRows = async (room: string) =>
    (await tableRows(tables.connectionString, Tables.messages)).filter((row) => row.partitionKey === conversationKey('chat', roomConversation(room)));
  const memberships = async () => (await tableRows(tables.connectionString, Tables.memberships)).map((row) => `${String(row.user)}@${String(row.room)}`).sort();

  beforeAll(async () => {
    [bus, tables] = await Promise.all([startServiceBus({ config: parleyBusConfig({ notifications: { RequiresDuplicateDetection: false } }) }), startTables()]);
    client = testBusClient(bus.connectionString);
    worker = await startTestWorker({ bus: bus.connectionString, tables: tables.connectionString });
    await process(events.connected(alice), events.connected(bob), events.connected(mallory));
    sent = new Map();
  }, 120_000);
  afterAll(async () => {
    await worker?.stop();
    await client?.close();
    await Promise.all([bus?.stop(), tables?.stop()]);
  });

  it('a private room is created by its first join, refuses non-members, and takes members by invitation', async () => {
    const create = say(alice, { type: 'join', id: 'a1', room: 'plans', private: true });
    await process(create);
    expect(commandsOf(create)[1]).toEqual({
      action: 'sendToGroup',
      hub: 'chat',
      group: 'room:plans',
      frame: { type: 'room', room: 'plans', user: 'alice', event: 'joined', private: true },
    });
    await process(say(alice, { type: 'send', id: 'a2', room: 'plans', text: 'the secret plan' }));
    const before = { room: await roomRows('plans'), memberships: await memberships() };
    expect(before.room.find((row) => row.rowKey === roomInfoKeys('chat', 'plans').rowKey)).toMatchObject({ visibility: 'private', createdBy: 'alice' });

    const join = say(mallory, { type: 'join', id: 'm1', room: 'plans' });
    const joinPrivate = say(mallory, { type: 'join', id: 'm2', room: 'plans', private: true });
    const invite = say(mallory, { type: 'invite', id: 'm3', room: 'plans', user: 'mallory' });
    const inviteBob = say(mallory, { type: 'invite', id: 'm4', room: 'plans', user: 'bob' });
    const history = say(mallory, { type: 'history', id: 'm5', room: 'plans' });
    for (const refused of [join, joinPrivate, invite, inviteBob, history]) await process(refused);
    for (const refused of [join, joinPrivate, invite, inviteBob, history]) expect(errorCodeOf(refused)).toBe('PARLEY_ROOM_PRIVATE');
    // Nothing stored: the room's rows and everyone's memberships are as they were. Only the claims of
    // mallory's frames are kept (they freeze the refusal, so a resend or redelivery is refused the same).
    const after = await roomRows('plans');
    expect(after.filter((row) => !String(row.rowKey).startsWith('~claim:mallory:'))).toEqual(before.room);
    expect(after.filter((row) => String(row.rowKey).startsWith('~claim:mallory:')).map((row) => row.rowKey)).toEqual(
      ['m1', 'm2', 'm3', 'm4'].map((id) => `~claim:mallory:${id}`),
    );
    expect(await memberships()).toEqual(before.memberships);

    const welcome = say(alice, { type: 'invite', id: 'a3', room: 'plans', user: 'bob' });
    await process(welcome);
    expect(commandsOf(welcome)).toEqual([
      { action: 'addUserToGroup', hub: 'chat', group: 'room:plans', userId: 'bob' },
      { action: 'sendToGroup', hub: 'chat', group: 'room:plans', frame: { type: 'room', room: 'plans', user: 'bob', event: 'invited', by: 'alice', private: true } },
    ]);
    const bobJoins = say(bob, { type: 'join', id: 'b1', room: 'plans' });
    const bobReads = say(bob, { type: 'history', id: 'b2', room: 'plans' });
    await process(bobJoins, bobReads);
    expect(commandsOf(bobJoins)[1]).toMatchObject({ action: 'sendToConnection', frame: { event: 'joined', private: true } });
    expect(commandsOf(bobReads)[0]).toMatchObject({ frame: { type: 'history', messages: [{ from: 'alice', text: 'the secret plan' }] } });

    // A redelivery of the creating join decides the same (its frozen state) and writes nothing new.
    const rowsNow = await roomRows('plans');
    const sender = client.createSender('chat-events');
    await sender.sendMessages(redelivery(create));
    await sender.close();
    handled += 1;
    await waitFor(() => worker.settled(), (n) => n >= handled, 60_000, 'the redelivery settled');
    expect(await roomRows('plans')).toEqual(rowsNow);

    // The next connection's state lists the room as private, to its members only.
    const bobAgain = events.connected({ ...bob, connectionId: 'conn-bob-2' });
    const malloryAgain = events.connected({ ...mallory, connectionId: 'conn-mallory-2' });
    await process(bobAgain, malloryAgain);
    const stateOf = (event: ChatEvent) => commandsOf(event).find((command) => 'frame' in command && command.frame.type === 'state');
    expect(stateOf(bobAgain)).toMatchObject({ frame: { type: 'state', rooms: ['plans'], privateRooms: ['plans'] } });
    expect(stateOf(malloryAgain)).toMatchObject({ frame: { type: 'state', rooms: [] } });
    expect(JSON.stringify(commandsOf(malloryAgain))).not.toContain('plans');
  });

  it('a private join of an existing public room is refused; public rooms work as before', async () => {
    await process(say(alice, { type: 'join', id: 'p1', room: 'lounge' }));
    const grab = say(mallory, { type: 'join', id: 'p2', room: 'lounge', private: true });
    await process(grab);
    expect(errorCodeOf(grab)).toBe('PARLEY_ROOM_EXISTS');
    const join = say(mallory, { type: 'join', id: 'p3', room: 'lounge' });
    await process(join);
    expect(commandsOf(join)[1]).toEqual({ action: 'sendToGroup', hub: 'chat', group: 'room:lounge', frame: { type: 'room', room: 'lounge', user: 'mallory', event: 'joined' } });
    expect((await roomRows('lounge')).find((row) => row.rowKey === '~room')).toMatchObject({ visibility: 'public', createdBy: 'alice' });
  });

  it('two first joins at once: one creates the room, the other is decided on what it created', async () => {
    const rounds = Array.from({ length: 8 }, (_, i) => `race-${i}`);
    const frames = rounds.flatMap((room) => [
      say(alice, { type: 'join', id: `${room}-a`, room, private: true }),
      say(bob, { type: 'join', id: `${room}-b`, room }),
    ]);
    await process(...frames);
    for (const room of rounds) {
      const rows = await roomRows(room);
      const info = rows.find((row) => row.rowKey === '~room');
      const members = rows.filter((row) => String(row.rowKey).startsWith('~member:')).map((row) => row.user);
      expect(info, room).toBeDefined();
      // Private won: only alice is in; public won: alice's private join was refused and only bob is in.
      expect(members, JSON.stringify(rows)).toEqual(info?.visibility === 'private' ? ['alice'] : ['bob']);
    }
  });
});
