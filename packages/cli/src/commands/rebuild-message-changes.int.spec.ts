import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TableClient } from '@azure/data-tables';
import { PROJECTION_TABLES, Tables, type ChatEvent, type ClientFrame } from '@parley/contracts';
import { eventFactory } from '../testing/events.js';
import { runCli, waitFor } from '../testing/harness.js';
import { handleInLogOrder, snapshotProjections } from '../testing/projections.js';
import { startWorkerFixture, type WorkerFixture } from '../testing/worker-fixture.js';

/** A client frame without its id (the script numbers them). */
type FrameBody = ClientFrame extends infer F ? (F extends ClientFrame ? Omit<F, 'id'> : never) : never;


/**
 * A session of edits, deletes (by the author and by the room's owner), reactions added and taken
 * back, replies, and their refusals, in a room, a direct chat and the lobby.
 */
function messageChangesScript(): ChatEvent[] {
  const make = eventFactory();
  let clock = Date.parse('2025-04-01T09:00:00Z');
  const list: ChatEvent[] = [];
  const users = ['alice', 'bob', 'carol', 'dave'];
  const at = () => new Date((clock += 3_000));
  for (const user of users) {
    list.push(make({ kind: 'profile', connectionId: '', userId: user, at: at(), name: `Ünïcode ${user}` }));
    list.push(make({ kind: 'connected', connectionId: `conn-${user}`, userId: user, at: at() }));
  }
  let n = 0;
  const frame = (user: string, body: FrameBody): ChatEvent => {
    const event = make({ kind: 'message', connectionId: `conn-${user}`, userId: user, at: at(), frame: { ...body, id: `f${++n}` } as ClientFrame });
    list.push(event);
    return event;
  };
  const room = 'dev #1/?';
  frame('alice', { type: 'join', room });
  frame('bob', { type: 'join', room });
  frame('carol', { type: 'join', room });
  const plan = frame('alice', { type: 'send', room, text: 'the plan: 🚀 at noon' }).metadata.eventId;
  const typo = frame('bob', { type: 'send', room, text: 'helo' }).metadata.eventId;
  frame('bob', { type: 'edit', room, message: typo, text: 'hello' });
  frame('bob', { type: 'edit', room, message: typo, text: 'hello!' });
  frame('bob', { type: 'edit', room, message: plan, text: 'my plan' }); // not the author
  const later = frame('carol', { type: 'send', room, text: 'see you' }).metadata.eventId;
  frame('carol', { type: 'edit', room, message: later, text: 'see you, @bob and @alice' });
  frame('carol', { type: 'edit', room, message: later, text: 'see you, @bob' });
  frame('dave', { type: 'react', room, message: plan, emoji: 'fire' }); // not a member
  for (const user of ['bob', 'carol', 'alice']) frame(user, { type: 'react', room, message: plan, emoji: 'thumbsup' });
  frame('carol', { type: 'react', room, message: plan, emoji: 'tada' });
  frame('carol', { type: 'react', room, message: plan, emoji: 'tada' }); // again: nothing
  frame('bob', { type: 'react', room, message: plan, emoji: 'thumbsup', remove: true });
  frame('bob', { type: 'react', room, message: plan, emoji: 'eyes', remove: true }); // not given: nothing
  frame('carol', { type: 'send', room, text: 'yes!', replyTo: plan });
  const spam = frame('carol', { type: 'send', room, text: 'buy watches' }).metadata.eventId;
  frame('bob', { type: 'delete', room, message: spam }); // a plain member: refused
  frame('carol', { type: 'react', room, message: spam, emoji: 'heart' });
  frame('alice', { type: 'delete', room, message: spam }); // the owner
  frame('bob', { type: 'react', room, message: spam, emoji: 'heart' }); // deleted
  frame('bob', { type: 'send', room, text: 're: spam', replyTo: spam }); // deleted
  frame('bob', { type: 'delete', room, message: typo });
  const lobbyNote = frame('dave', { type: 'send', text: 'lobby note' }).metadata.eventId;
  frame('bob', { type: 'send', room, text: 're: lobby', replyTo: lobbyNote }); // another conversation
  frame('alice', { type: 'react', message: lobbyNote, emoji: 'clap' });
  frame('dave', { type: 'edit', message: lobbyNote, text: 'lobby note, edited' });
  frame('alice', { type: 'send', text: 'about that', replyTo: lobbyNote });
  const direct = frame('alice', { type: 'send', to: 'bob', text: 'psst' }).metadata.eventId;
  frame('bob', { type: 'react', to: 'alice', message: direct, emoji: 'eyes' });
  frame('bob', { type: 'send', to: 'alice', text: 'what?', replyTo: direct });
  frame('alice', { type: 'edit', to: 'bob', message: direct, text: 'psst!' });
  frame('carol', { type: 'react', to: 'alice', message: direct, emoji: 'eyes' }); // not theirs: unknown
  frame('alice', { type: 'delete', to: 'bob', message: direct });
  return list;
}

describe('parley rebuild of edits, deletes, replies and reactions (real worker, broker and Azurite)', () => {
  let fixture: WorkerFixture;
  const events = messageChangesScript();
  const table = (name: string) => TableClient.fromConnectionString(fixture.azurite.connectionString, name, { allowInsecureConnection: true });
  const snapshot = () => snapshotProjections(fixture.azurite.connectionString);
  const settled = () => fixture.metric('parley_consumer_messages_total');

  beforeAll(async () => {
    fixture = await startWorkerFixture();
  }, 240_000);
  afterAll(async () => {
    await fixture?.stop();
  });

  it('rebuilds message rows with their edits, deletes, reactions and quotes, and their index rows, equal to the originals', async () => {
    expect(await handleInLogOrder(fixture, events, 120_000)).toBe(events.length);
    expect(await fixture.metric('parley_consumer_messages_total', 'dead-lettered')).toBe(0);
    const original = await snapshot();

    // The script exercised every kind of change.
    const rows = original.messages!;
    const messages = rows.filter((row) => /^\d/.test(String(row.rowKey)));
    const text = (id: string) => messages.find((row) => row.messageId === id);
    const [plan, typo, spam, lobbyNote, direct] = ['the plan', 'helo', 'buy watches', 'lobby note', 'psst'].map(
      (start) => events.find((e) => e.type === 'chat.message' && e.data.frame.type === 'send' && e.data.frame.text.startsWith(start))!.metadata.eventId,
    );
    expect(rows.filter((row) => String(row.rowKey).startsWith('~msg:')).map((row) => row.messageRowKey).sort()).toEqual(messages.map((row) => row.rowKey).sort());
    expect(JSON.parse(String(text(plan!)!.reactions))).toEqual([
      { emoji: 'thumbsup', count: 2, users: ['carol', 'alice'] },
      { emoji: 'tada', count: 1, users: ['carol'] },
    ]);
    for (const deleted of [typo, spam, direct]) expect(text(deleted!)).toMatchObject({ text: '', deleted: true });
    expect(text(spam!)).not.toHaveProperty('reactions');
    expect(text(lobbyNote!)).toMatchObject({ text: 'lobby note, edited', editedAt: expect.any(String) });
    // An edit's mentions replace the message's: the last edit's.
    expect(messages.find((row) => String(row.text).startsWith('see you'))).toMatchObject({ text: 'see you, @bob', mentions: '["bob"]' });
    const replies = messages.filter((row) => typeof row.replyTo === 'string').map((row) => JSON.parse(String(row.replyTo)) as { id: string; text: string });
    expect(replies.map((quote) => quote.id).sort()).toEqual([plan, lobbyNote, direct].sort());
    expect(messages.filter((row) => String(row.text).startsWith('re: '))).toEqual([]);

    const result = await runCli(['rebuild', '--yes'], fixture.env, fixture.dir);
    expect(result).toMatchObject({ code: 0, stdout: `read ${events.length}, sent ${events.length}, skipped 0\n` });
    await waitFor(settled, (n) => n >= 2 * events.length, 120_000, 500);
    const rebuilt = await snapshot();
    for (const name of PROJECTION_TABLES) expect({ table: name, rows: rebuilt[name] }).toEqual({ table: name, rows: original[name] });
    let logged = 0;
    for await (const _ of table(Tables.events).listEntities({ queryOptions: { select: ['RowKey'] } })) logged += 1;
    expect(logged).toBe(events.length);
  }, 400_000);
});
