import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TableClient } from '@azure/data-tables';
import { PROJECTION_TABLES, Tables, type ChatEvent, type ClientFrame } from '@parley/contracts';
import { eventFactory } from '../testing/events.js';
import { runCli, waitFor } from '../testing/harness.js';
import { handleInLogOrder, snapshotProjections } from '../testing/projections.js';
import { startWorkerFixture, type WorkerFixture } from '../testing/worker-fixture.js';

/**
 * Read positions and mentions are projections of the event log like messages: a rebuild gives the
 * same `~read:` rows (only moving forward, refusals deciding the same) and the same `mentions`.
 * Typing frames sent through the same path are never logged, so a rebuild never meets them.
 * One partition live, so the live run applies the log order the rebuild applies.
 */
describe('parley rebuild: read positions, mentions, typing (real worker, broker and Azurite)', () => {
  let fixture: WorkerFixture;
  const make = eventFactory();
  let clock = Date.parse('2025-03-02T09:00:00Z');
  const script: ChatEvent[] = [];
  const at = () => new Date((clock += 1_000));
  const connect = (user: string, name: string) => {
    script.push(make({ kind: 'profile', connectionId: '', userId: user, at: at(), name }));
    script.push(make({ kind: 'connected', connectionId: `conn-${user}`, userId: user, at: at() }));
  };
  const say = (user: string, frame: ClientFrame): ChatEvent => {
    const event = make({ kind: 'message', connectionId: `conn-${user}`, userId: user, at: at(), frame });
    script.push(event);
    return event;
  };

  connect('alice', 'Alice Smith');
  connect('bob', 'Bob Builder');
  connect('carol', 'Carol');
  for (const user of ['alice', 'bob', 'carol']) say(user, { type: 'join', id: `j-${user}`, room: 'dev' });
  const first = say('bob', { type: 'send', id: 'b1', room: 'dev', text: 'morning @Alice Smith and @carol' });
  const second = say('carol', { type: 'send', id: 'c1', room: 'dev', text: 'hi @bob, mail me at carol@example.com' });
  say('alice', { type: 'typing', id: 't1', room: 'dev' });
  say('alice', { type: 'read', id: 'r1', room: 'dev', message: second.metadata.eventId });
  // Older than the position: accepted, changes nothing.
  say('alice', { type: 'read', id: 'r2', room: 'dev', message: first.metadata.eventId });
  say('bob', { type: 'read', id: 'r1', room: 'dev', message: first.metadata.eventId });
  say('bob', { type: 'read', id: 'r2', room: 'dev', message: second.metadata.eventId });
  const lobby = say('carol', { type: 'send', id: 'c2', text: 'lobby news' });
  say('alice', { type: 'read', id: 'r3', message: lobby.metadata.eventId });
  const direct = say('bob', { type: 'send', id: 'b2', to: 'alice', text: 'psst' });
  say('bob', { type: 'typing', id: 't2', to: 'alice' });
  say('alice', { type: 'read', id: 'r4', to: 'bob', message: direct.metadata.eventId });
  // Refused: a message of another conversation, and a reader who left the room.
  say('alice', { type: 'read', id: 'r5', room: 'dev', message: direct.metadata.eventId });
  say('carol', { type: 'leave', id: 'l1', room: 'dev' });
  say('carol', { type: 'read', id: 'r6', room: 'dev', message: second.metadata.eventId });
  const logged = script.filter((event) => event.type !== 'chat.message' || event.data.frame.type !== 'typing');

  const table = (name: string) => TableClient.fromConnectionString(fixture.azurite.connectionString, name, { allowInsecureConnection: true });
  const snapshot = () => snapshotProjections(fixture.azurite.connectionString);
  const settled = () => fixture.metric('parley_consumer_messages_total');

  beforeAll(async () => {
    fixture = await startWorkerFixture();
  }, 240_000);
  afterAll(async () => {
    await fixture?.stop();
  });

  it('rebuilds the read positions and mentions equal to the live ones; typing never reaches the log', async () => {
    expect(await handleInLogOrder(fixture, script, 120_000)).toBe(script.length);
    expect(await fixture.metric('parley_consumer_messages_total', 'dead-lettered')).toBe(0);
    const original = await snapshot();

    const reads = original.messages!.filter((row) => String(row.rowKey).startsWith('~read:'));
    const positions = reads.map((row) => `${String(row.user)}@${String(row.partitionKey).replace(/^chat_/, '')}=${String(row.messageId)}`).sort();
    expect(positions).toEqual(
      [
        `alice@dm_alice_bob=${direct.metadata.eventId}`,
        `alice@lobby=${lobby.metadata.eventId}`,
        `alice@room_dev=${second.metadata.eventId}`,
        `bob@room_dev=${second.metadata.eventId}`,
      ].sort(),
    );
    const mentionsOf = (event: ChatEvent) => original.messages!.find((row) => row.messageId === event.metadata.eventId)?.mentions;
    expect(mentionsOf(first)).toBe(JSON.stringify(['alice', 'carol']));
    expect(mentionsOf(second)).toBe(JSON.stringify(['bob']));
    let inLog = 0;
    for await (const _ of table(Tables.events).listEntities({ queryOptions: { select: ['RowKey'] } })) inLog += 1;
    expect(inLog).toBe(logged.length);

    const result = await runCli(['rebuild', '--yes'], fixture.env, fixture.dir);
    expect(result).toMatchObject({ code: 0, stdout: `read ${logged.length}, sent ${logged.length}, skipped 0\n` });
    await waitFor(settled, (n) => n >= script.length + logged.length, 120_000, 250);
    const rebuilt = await snapshot();
    for (const name of PROJECTION_TABLES) expect({ table: name, rows: rebuilt[name] }).toEqual({ table: name, rows: original[name] });
  }, 300_000);
});
