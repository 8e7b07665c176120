import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECTION_TABLES, Tables, type ChatEvent, type ClientFrame } from '@parley/contracts';
import { eventFactory } from '../testing/events.js';
import { runCli, waitFor } from '../testing/harness.js';
import { handleInLogOrder, snapshotProjections } from '../testing/projections.js';
import { startWorkerFixture, type WorkerFixture } from '../testing/worker-fixture.js';

/**
 * A scripted session of members, moderation and directory events: roles given and taken, removals,
 * bans (ahead of a join, lifted, kept), mutes that end by a frame or by time, refusals of each, and
 * joins, leaves and invites that move the rooms' counts. Rebuilt from the log, every projection
 * (the room rows' counts, voice and ban rows, the directory) must come out equal.
 */
/** A client frame without its id (the script numbers them per user). */
type Unnumbered = ClientFrame extends infer F ? (F extends unknown ? Omit<F, 'id'> : never) : never;

function moderationScript(): ChatEvent[] {
  const make = eventFactory();
  let clock = Date.parse('2025-04-01T09:00:00Z');
  const events: ChatEvent[] = [];
  const ids = new Map<string, number>();
  const at = (stepMs = 3_000) => new Date((clock += stepMs));
  const connect = (user: string) => {
    events.push(make({ kind: 'profile', connectionId: '', userId: user, at: at(), name: `Name of ${user}` }));
    events.push(make({ kind: 'connected', connectionId: `conn-${user}`, userId: user, at: at() }));
  };
  const say = (user: string, frame: Unnumbered, stepMs?: number) => {
    const n = (ids.get(user) ?? 0) + 1;
    ids.set(user, n);
    events.push(make({ kind: 'message', connectionId: `conn-${user}`, userId: user, at: at(stepMs), frame: { ...frame, id: `f${n}` } as ClientFrame }));
  };
  const crowd = Array.from({ length: 12 }, (_, i) => `user${String(i).padStart(2, '0')}`);
  for (const user of ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', ...crowd]) connect(user);

  say('alice', { type: 'join', room: 'town' });
  say('alice', { type: 'join', room: 'den', private: true });
  say('alice', { type: 'ban', room: 'town', user: 'zed' }); // a ban ahead of any join, kept
  for (const user of ['bob', 'carol', 'dave', 'erin', 'frank']) say(user, { type: 'join', room: 'town' });
  for (const [i, user] of crowd.entries()) say(user, { type: 'join', room: i % 3 === 0 ? 'townhall' : 'town' });
  say('alice', { type: 'role', room: 'town', user: 'bob', role: 'moderator' });
  say('carol', { type: 'role', room: 'town', user: 'dave', role: 'moderator' }); // refused: not the owner
  say('bob', { type: 'mute', room: 'town', user: 'carol', minutes: 10 });
  say('carol', { type: 'send', room: 'town', text: 'refused: muted' });
  say('alice', { type: 'mute', room: 'town', user: 'carol', minutes: 0 });
  say('carol', { type: 'send', room: 'town', text: 'unmuted' });
  say('bob', { type: 'remove', room: 'town', user: 'erin' });
  say('bob', { type: 'remove', room: 'town', user: 'alice' }); // refused: the owner
  say('bob', { type: 'ban', room: 'town', user: 'dave' });
  say('dave', { type: 'join', room: 'town' }); // refused: banned
  say('carol', { type: 'invite', room: 'town', user: 'dave' }); // refused: banned
  say('alice', { type: 'ban', room: 'town', user: 'dave', lift: true });
  say('dave', { type: 'join', room: 'town' });
  say('bob', { type: 'mute', room: 'town', user: 'frank', minutes: 1 });
  say('frank', { type: 'send', room: 'town', text: 'refused: still muted' });
  say('frank', { type: 'send', room: 'town', text: 'the mute ran out' }, 90_000);
  say('alice', { type: 'mute', room: 'town', user: 'dave', minutes: 30 }); // kept
  say('dave', { type: 'leave', room: 'town' });
  say('dave', { type: 'join', room: 'town' }); // the mute outlives the leave
  say('dave', { type: 'send', room: 'town', text: 'refused: muted after a rejoin' });
  say('frank', { type: 'leave', room: 'town' });
  say('alice', { type: 'invite', room: 'den', user: 'bob' });
  say('alice', { type: 'role', room: 'den', user: 'bob', role: 'moderator' });
  say('alice', { type: 'role', room: 'den', user: 'bob', role: 'member' });
  say('bob', { type: 'leave', room: 'den' });
  for (const user of crowd.slice(0, 4)) say(user, { type: 'leave', room: user === 'user00' || user === 'user03' ? 'townhall' : 'town' });
  say('erin', { type: 'members', room: 'town' });
  say('erin', { type: 'directory', prefix: 'town' });
  for (const user of crowd.slice(0, 3)) say(user, { type: 'send', room: 'town', text: `from ${user}` });
  return events;
}

describe('parley rebuild of members, moderation and the directory (real worker, broker and Azurite)', () => {
  let fixture: WorkerFixture;
  const events = moderationScript();
  const snapshot = () => snapshotProjections(fixture.azurite.connectionString);
  const settled = () => fixture.metric('parley_consumer_messages_total');

  beforeAll(async () => {
    fixture = await startWorkerFixture();
  }, 240_000);
  afterAll(async () => {
    await fixture?.stop();
  });

  it('rebuilds room counts, roles, mutes, voices, bans and the directory equal to the originals', async () => {
    expect(await handleInLogOrder(fixture, events, 240_000)).toBe(events.length);
    expect(await fixture.metric('parley_consumer_messages_total', 'dead-lettered')).toBe(0);
    const original = await snapshot();

    // The script exercised every new row.
    const town = original.messages!.filter((row) => String(row.partitionKey).endsWith('_room_town'));
    const rowOf = (key: string) => town.find((row) => row.rowKey === key);
    expect(rowOf('~room')).toMatchObject({ createdBy: 'alice', visibility: 'public', members: 10 });
    expect(town.filter((row) => String(row.rowKey).startsWith('~member:'))).toHaveLength(10);
    expect(rowOf('~member:bob')).toMatchObject({ role: 'moderator' });
    expect(rowOf('~member:dave')).toMatchObject({ mutedUntil: expect.any(String) });
    expect(rowOf('~voice:dave')).toBeUndefined();
    expect(rowOf('~mute:dave')).toMatchObject({ mutedUntil: rowOf('~member:dave')!.mutedUntil });
    expect(Date.parse(String(rowOf('~mute:carol')!.mutedUntil))).toBeLessThan(Date.parse(String(rowOf('~member:dave')!.joinedAt)));
    expect(rowOf('~voice:carol')).toBeDefined();
    expect(rowOf('~ban:zed')).toMatchObject({ by: 'alice' });
    expect(rowOf('~ban:dave')).toBeUndefined();
    expect(rowOf('~member:erin')).toBeUndefined();
    expect(town.filter((row) => row.text === 'unmuted' || row.text === 'the mute ran out')).toHaveLength(2);
    expect(town.filter((row) => String(row.text).startsWith('refused'))).toEqual([]);
    expect(original.directory!.map((row) => [row.room, row.members])).toEqual([['town', 10], ['townhall', 2]]);
    const den = original.messages!.find((row) => String(row.partitionKey).endsWith('_room_den') && row.rowKey === '~room');
    expect(den).toMatchObject({ visibility: 'private', members: 1 });

    const result = await runCli(['rebuild', '--yes'], fixture.env, fixture.dir);
    expect(result).toMatchObject({ code: 0, stdout: `read ${events.length}, sent ${events.length}, skipped 0\n` });
    expect(result.stderr).toContain(`cleared ${Tables.directory}: 2 rows`);
    await waitFor(settled, (n) => n >= 2 * events.length, 240_000, 500);
    const rebuilt = await snapshot();
    for (const name of PROJECTION_TABLES) expect({ table: name, rows: rebuilt[name] }).toEqual({ table: name, rows: original[name] });
  }, 600_000);
});
