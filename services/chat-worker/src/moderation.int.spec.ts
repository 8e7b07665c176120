import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceBusClient } from '@azure/service-bus';
import { conversationKey, directoryKeys, roomConversation, Tables, type ChatEvent, type ClientFrame, type NotifierCommand } from '@parley/contracts';
import { startServiceBus, startTables, type StandIn } from '@parley/testkit';
import { drainNotifications, events, parleyBusConfig, sendEvents, testBusClient } from './testing/bus.js';
import { commandsByEvent, startTestWorker, tableRows, waitFor, type TestWorker } from './testing/worker.js';

/**
 * Members, moderation and the directory through the real broker and Table service, with two
 * workers sharing the users' partitions: joins of one room decided at once on both count right.
 */
describe('chat-worker: members, moderation and directory', { timeout: 180_000 }, () => {
  let bus: StandIn;
  let tables: StandIn;
  let client: ServiceBusClient;
  let workers: TestWorker[] = [];
  let handled = 0;
  const sent = new Map<string, NotifierCommand[]>();
  const who = (user: string) => ({ user, connectionId: `conn-${user}` });
  const say = (user: string, frame: ClientFrame) => events.message(who(user), frame);
  const settled = async () => (await Promise.all(workers.map((worker) => worker.settled()))).reduce((a, b) => a + b, 0);

  async function process(...list: ChatEvent[]): Promise<void> {
    await sendEvents(client, list);
    handled += list.length;
    await waitFor(settled, (n) => n >= handled, 90_000, `${handled} settled messages`);
    for (const [eventId, commands] of commandsByEvent(await drainNotifications(client, 0, 10_000))) {
      sent.set(eventId, [...(sent.get(eventId) ?? []), ...commands.map((c) => c.command)]);
    }
  }
  const commandsOf = (event: ChatEvent) => sent.get(event.metadata.eventId) ?? [];
  const framesOf = (event: ChatEvent) => commandsOf(event).flatMap((command) => ('frame' in command ? [command.frame as Record<string, unknown>] : []));
  const errorCodeOf = (event: ChatEvent) => {
    const frames = framesOf(event);
    expect(frames).toHaveLength(1);
    return (frames[0] as { error?: { code: string } }).error?.code;
  };
  const roomRows = async (room: string) =>
    (await tableRows(tables.connectionString, Tables.messages)).filter((row) => row.partitionKey === conversationKey('chat', roomConversation(room)));
  /** Table round trips of one kind of event, by operation, summed over both workers. */
  async function requests(type: string): Promise<Record<string, number>> {
    const byOperation: Record<string, number> = {};
    for (const worker of workers) {
      const metric = worker.registry.getSingleMetric('parley_worker_table_requests_total');
      for (const value of metric ? (await metric.get()).values : []) {
        if (value.labels.type !== type || value.labels.table !== Tables.messages) continue;
        const operation = String(value.labels.operation);
        byOperation[operation] = (byOperation[operation] ?? 0) + value.value;
      }
    }
    return byOperation;
  }

  const users = ['alice', 'bob', 'carol', 'dave', 'erin', ...Array.from({ length: 16 }, (_, i) => `joiner${i}`)];
  beforeAll(async () => {
    [bus, tables] = await Promise.all([startServiceBus({ config: parleyBusConfig({ notifications: { RequiresDuplicateDetection: false } }) }), startTables()]);
    client = testBusClient(bus.connectionString);
    workers = await Promise.all([0, 1].map(() => startTestWorker({ bus: bus.connectionString, tables: tables.connectionString })));
    await process(...users.map((user) => events.connected(who(user))));
  }, 180_000);
  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.stop()));
    await client?.close();
    await Promise.all([bus?.stop(), tables?.stop()]);
  });

  it('counts 16 joins decided at once on two workers exactly, in the room row and the directory', async () => {
    await process(say('alice', { type: 'join', id: 'j0', room: 'crowd' }));
    const joiners = users.filter((user) => user.startsWith('joiner'));
    await process(...joiners.map((user) => say(user, { type: 'join', id: 'j1', room: 'crowd' })));
    const rows = await roomRows('crowd');
    expect(rows.filter((row) => String(row.rowKey).startsWith('~member:'))).toHaveLength(17);
    expect(rows.find((row) => row.rowKey === '~room')).toMatchObject({ members: 17, createdBy: 'alice' });
    const directory = await tableRows(tables.connectionString, Tables.directory);
    expect(directory.find((row) => row.rowKey === directoryKeys('chat', 'crowd').rowKey)).toEqual({ ...directoryKeys('chat', 'crowd'), room: 'crowd', members: 17 });
    // Both workers took part (the users' partitions are spread over them).
    const perWorker = await Promise.all(workers.map((worker) => worker.settled()));
    expect(perWorker.every((n) => n > 0)).toBe(true);

    await process(...joiners.slice(0, 6).map((user) => say(user, { type: 'leave', id: 'l1', room: 'crowd' })));
    expect((await roomRows('crowd')).find((row) => row.rowKey === '~room')).toMatchObject({ members: 11 });
    const answer = say('dave', { type: 'directory', id: 'd1', prefix: 'cr' });
    await process(answer);
    expect(framesOf(answer)).toEqual([{ type: 'directory', id: 'd1', rooms: [{ room: 'crowd', members: 11 }], next: null }]);
  });

  it('moderates: a moderator mutes, the muted send is refused without a read on the send path, the ban outlives leave and join', async () => {
    await process(say('alice', { type: 'join', id: 'm0', room: 'club' }));
    await process(...['bob', 'carol', 'dave'].map((user) => say(user, { type: 'join', id: 'm0', room: 'club' })));
    const promote = say('alice', { type: 'role', id: 'm1', room: 'club', user: 'bob', role: 'moderator' });
    const plainMute = say('carol', { type: 'mute', id: 'm1', room: 'club', user: 'dave', minutes: 5 });
    await process(promote, plainMute);
    expect(commandsOf(promote)[0]).toEqual({
      action: 'sendToGroup',
      hub: 'chat',
      group: 'room:club',
      frame: { type: 'moderation', room: 'club', action: 'role', user: 'bob', by: 'alice', role: 'moderator' },
    });
    expect(errorCodeOf(plainMute)).toBe('PARLEY_NOT_MODERATOR');

    // Room sends of members with a voice row read nothing: one transaction each.
    const before = await requests('message.send');
    await process(...[1, 2, 3].map((i) => say('carol', { type: 'send', id: `s${i}`, room: 'club', text: `hello ${i}` })));
    const after = await requests('message.send');
    expect((after.get ?? 0) - (before.get ?? 0)).toBe(0);
    expect((after.query ?? 0) - (before.query ?? 0)).toBe(0);
    expect((after.transaction ?? 0) - (before.transaction ?? 0)).toBe(3);

    const mute = say('bob', { type: 'mute', id: 'm2', room: 'club', user: 'carol', minutes: 10 });
    await process(mute);
    expect(commandsOf(mute).map((command) => command.action)).toEqual(['sendToGroup', 'sendToUser']);
    const muted = say('carol', { type: 'send', id: 's4', room: 'club', text: 'can I talk?' });
    await process(muted);
    expect(errorCodeOf(muted)).toBe('PARLEY_MUTED');
    const unmute = say('bob', { type: 'mute', id: 'm3', room: 'club', user: 'carol', minutes: 0 });
    const again = say('carol', { type: 'send', id: 's5', room: 'club', text: 'back' });
    await process(unmute);
    await process(again);
    expect(framesOf(again)).toMatchObject([{ type: 'message', text: 'back', from: 'carol' }]);
    expect((await roomRows('club')).filter((row) => row.text === 'can I talk?')).toEqual([]);

    // Ban: dave is removed, his rejoin and an invite of him are refused until the ban is lifted.
    const ban = say('bob', { type: 'ban', id: 'm4', room: 'club', user: 'dave' });
    await process(ban);
    expect(commandsOf(ban).map((command) => command.action)).toEqual(['sendToGroup', 'removeUserFromGroup', 'sendToUser']);
    const rejoin = say('dave', { type: 'join', id: 'm5', room: 'club' });
    const invite = say('carol', { type: 'invite', id: 'm6', room: 'club', user: 'dave' });
    await process(rejoin, invite);
    expect(errorCodeOf(rejoin)).toBe('PARLEY_BANNED');
    expect(errorCodeOf(invite)).toBe('PARLEY_BANNED');
    const members = say('bob', { type: 'members', id: 'q1', room: 'club' });
    await process(members);
    expect(framesOf(members)).toEqual([
      {
        type: 'members',
        id: 'q1',
        room: 'club',
        members: [
          { user: 'alice', role: 'owner', online: true },
          { user: 'bob', role: 'moderator', online: true },
          { user: 'carol', role: 'member', online: true },
        ],
        banned: ['dave'],
      },
    ]);
    await process(say('alice', { type: 'ban', id: 'm7', room: 'club', user: 'dave', lift: true }));
    const welcome = say('dave', { type: 'join', id: 'm8', room: 'club' });
    await process(welcome);
    expect(commandsOf(welcome)[1]).toMatchObject({ action: 'sendToGroup', frame: { type: 'room', event: 'joined', user: 'dave' } });
  });
});
