import { describe, expect, it } from 'vitest';
import { ChatClient } from './chat-client.js';
import { SERVICE_DIALECTS } from './dialect.js';
import { stackPerSuite, unique } from './e2e-setup.js';

/**
 * Members, the directory and moderation through the whole stack in each dialect. Every refusal is
 * followed by a marker (a later frame, handled after it) whose arrival shows the refused frame
 * stored and delivered nothing.
 */
describe.each(SERVICE_DIALECTS)('Members, directory and moderation end to end on the %s dialect (real stack, real WebSockets)', (service) => {
  const { connect, refusalOf } = stackPerSuite(service);
  const joined = async (client: ChatClient, room: string, id: string, isPrivate = false) => {
    expect(await client.request({ type: 'join', id, room, ...(isPrivate ? { private: true } : {}) })).toMatchObject({ ok: true });
    await client.waitFor((f) => f.type === 'room' && f.room === room && f.event === 'joined' && f.user === client.user);
  };
  const moderation = (client: ChatClient, action: string, user: string, room: string) =>
    client.waitFor((f) => f.type === 'moderation' && f.room === room && f.action === action && f.user === user);
  /** A room message from `from`, received by every one of `to`. */
  const marker = async (from: ChatClient, room: string, id: string, to: ChatClient[]) => {
    await from.request({ type: 'send', id, room, text: `marker ${id}` });
    await Promise.all([from, ...to].map((client) => client.waitFor((f) => f.type === 'message' && f.clientId === id && f.from === from.user)));
  };


  it('the owner promotes a moderator, who removes, bans and mutes; refusals store and deliver nothing', async () => {
    const room = unique('agora');
    const [alice, bob, carol, dave, erin] = await Promise.all(['alice', 'bob', 'carol', 'dave', 'erin'].map((name) => connect(unique(name))));
    await joined(alice!, room, 'a-join');
    for (const client of [bob!, carol!, dave!, erin!]) await joined(client, room, `${client.user}-join`);

    // The owner makes bob a moderator: the room and bob hear it.
    await alice!.request({ type: 'role', id: 'a-role', room, user: bob!.user, role: 'moderator' });
    expect(await moderation(erin!, 'role', bob!.user, room)).toMatchObject({ role: 'moderator', by: alice!.user });
    await moderation(bob!, 'role', bob!.user, room);

    // A plain member's moderation is refused; dave is still in the room (he hears the marker) and nobody heard a removal.
    await carol!.request({ type: 'remove', id: 'c-remove', room, user: dave!.user });
    expect(await refusalOf(carol!, 'c-remove')).toMatchObject({ code: 'PARLEY_NOT_MODERATOR' });
    await carol!.request({ type: 'mute', id: 'c-mute', room, user: alice!.user, minutes: 5 });
    expect(await refusalOf(carol!, 'c-mute')).toMatchObject({ code: 'PARLEY_NOT_MODERATOR' });
    await bob!.request({ type: 'ban', id: 'b-ban-owner', room, user: alice!.user });
    expect(await refusalOf(bob!, 'b-ban-owner')).toMatchObject({ code: 'PARLEY_TARGET_IS_OWNER' });
    await marker(carol!, room, 'c-marker', [dave!, alice!]);
    expect([alice!, bob!, carol!, dave!, erin!].flatMap((client) => client.frames.filter((f) => f.type === 'moderation' && f.action !== 'role'))).toEqual([]);

    // The moderator removes carol: she hears it and can no longer send to the room.
    await bob!.request({ type: 'remove', id: 'b-remove', room, user: carol!.user });
    expect(await moderation(carol!, 'removed', carol!.user, room)).toMatchObject({ by: bob!.user });
    await moderation(alice!, 'removed', carol!.user, room);
    await carol!.request({ type: 'send', id: 'c-after', room, text: 'still here?' });
    expect(await refusalOf(carol!, 'c-after')).toMatchObject({ code: 'PARLEY_NOT_MEMBER' });

    // The moderator bans dave: removed, his rejoin and an invite of him are refused, the ban outlives both.
    await bob!.request({ type: 'ban', id: 'b-ban', room, user: dave!.user });
    await moderation(dave!, 'banned', dave!.user, room);
    await dave!.request({ type: 'join', id: 'd-rejoin', room });
    expect(await refusalOf(dave!, 'd-rejoin')).toMatchObject({ code: 'PARLEY_BANNED' });
    await erin!.request({ type: 'invite', id: 'e-invite', room, user: dave!.user });
    expect(await refusalOf(erin!, 'e-invite')).toMatchObject({ code: 'PARLEY_BANNED' });
    await dave!.request({ type: 'join', id: 'd-rejoin-2', room });
    expect(await refusalOf(dave!, 'd-rejoin-2')).toMatchObject({ code: 'PARLEY_BANNED' });
    await marker(alice!, room, 'a-marker-1', [erin!]);
    expect(dave!.messages((f) => f.clientId === 'a-marker-1')).toEqual([]);

    // A mute refuses erin's send until it is lifted; nothing of the refused send reaches anyone.
    await bob!.request({ type: 'mute', id: 'b-mute', room, user: erin!.user, minutes: 10 });
    expect(await moderation(erin!, 'muted', erin!.user, room)).toMatchObject({ until: expect.any(String) });
    await erin!.request({ type: 'send', id: 'e-muted', room, text: 'let me speak' });
    expect(await refusalOf(erin!, 'e-muted')).toMatchObject({ code: 'PARLEY_MUTED' });
    // Leaving and joining again does not end a mute.
    await erin!.request({ type: 'leave', id: 'e-leave', room });
    await erin!.waitFor((f) => f.type === 'room' && f.room === room && f.event === 'left' && f.user === erin!.user);
    await joined(erin!, room, 'e-rejoin');
    await erin!.request({ type: 'send', id: 'e-muted-2', room, text: 'and now?' });
    expect(await refusalOf(erin!, 'e-muted-2')).toMatchObject({ code: 'PARLEY_MUTED' });
    await bob!.request({ type: 'mute', id: 'b-unmute', room, user: erin!.user, minutes: 0 });
    await moderation(erin!, 'unmuted', erin!.user, room);
    await marker(erin!, room, 'e-free', [alice!, bob!]);
    expect(alice!.messages((f) => f.clientId === 'e-muted' || f.clientId === 'e-muted-2')).toEqual([]);

    // The member list: roles, presence, the ban only to the owner and moderators.
    bob!.send({ type: 'members', id: 'b-members', room });
    const seenByModerator = await bob!.waitFor((f) => f.type === 'members' && f.id === 'b-members');
    expect(seenByModerator).toMatchObject({
      room,
      members: [
        { user: alice!.user, role: 'owner', online: true, name: alice!.user },
        { user: bob!.user, role: 'moderator', online: true },
        { user: erin!.user, role: 'member', online: true },
      ],
      banned: [dave!.user],
    });
    erin!.send({ type: 'members', id: 'e-members', room });
    const seenByMember = await erin!.waitFor((f) => f.type === 'members' && f.id === 'e-members');
    expect(seenByMember.banned).toBeUndefined();
    expect((seenByMember.members as unknown[]).length).toBe(3);

    // The owner lifts the ban: dave may join again.
    await alice!.request({ type: 'ban', id: 'a-lift', room, user: dave!.user, lift: true });
    await moderation(dave!, 'unbanned', dave!.user, room);
    await joined(dave!, room, 'd-welcome');
  });

  it('lists public rooms with member counts by name prefix, page by page; a private room never', async () => {
    const stem = unique('dir');
    const [alice, bob, mallory] = await Promise.all(['alice', 'bob', 'mallory'].map((name) => connect(unique(name))));
    await joined(alice!, `${stem}-main`, 'a-1');
    await joined(bob!, `${stem}-main`, 'b-1');
    await joined(bob!, `${stem}-side`, 'b-2');
    await joined(alice!, `${stem}-hidden`, 'a-2', true);
    await joined(alice!, unique('elsewhere'), 'a-3');

    mallory!.send({ type: 'directory', id: 'm-dir', prefix: stem });
    expect(await mallory!.waitFor((f) => f.type === 'directory' && f.id === 'm-dir')).toMatchObject({
      rooms: [
        { room: `${stem}-main`, members: 2 },
        { room: `${stem}-side`, members: 1 },
      ],
      next: null,
    });
    mallory!.send({ type: 'directory', id: 'm-page-1', prefix: stem, limit: 1 });
    const first = await mallory!.waitFor((f) => f.type === 'directory' && f.id === 'm-page-1');
    expect(first).toMatchObject({ rooms: [{ room: `${stem}-main`, members: 2 }], next: `${stem}-main` });
    mallory!.send({ type: 'directory', id: 'm-page-2', prefix: stem, limit: 1, after: String(first.next) });
    expect(await mallory!.waitFor((f) => f.type === 'directory' && f.id === 'm-page-2')).toMatchObject({ rooms: [{ room: `${stem}-side`, members: 1 }], next: null });

    // The private room: its members are listed to members only, and it never shows in the directory.
    mallory!.send({ type: 'members', id: 'm-members', room: `${stem}-hidden` });
    expect(await refusalOf(mallory!, 'm-members')).toMatchObject({ code: 'PARLEY_ROOM_PRIVATE' });
    alice!.send({ type: 'directory', id: 'a-dir', prefix: `${stem}-h` });
    expect(await alice!.waitFor((f) => f.type === 'directory' && f.id === 'a-dir')).toMatchObject({ rooms: [], next: null });

    // Counts follow leaves: bob leaves main, the directory shows 1.
    await bob!.request({ type: 'leave', id: 'b-3', room: `${stem}-main` });
    await bob!.waitFor((f) => f.type === 'room' && f.event === 'left' && f.room === `${stem}-main`);
    mallory!.send({ type: 'directory', id: 'm-dir-2', prefix: `${stem}-m` });
    expect(await mallory!.waitFor((f) => f.type === 'directory' && f.id === 'm-dir-2')).toMatchObject({ rooms: [{ room: `${stem}-main`, members: 1 }] });
  });
});
