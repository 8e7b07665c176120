import { describe, expect, it } from 'vitest';
import { SERVICE_DIALECTS } from './dialect.js';
import { stackPerSuite, unique } from './e2e-setup.js';

/**
 * Private rooms through the whole stack (gateway, bus, worker, tables, notifier, WebSocket service)
 * in each dialect. Every refusal is followed by a marker: a later frame of the same user, handled in
 * order after it, whose answer shows the refused frame stored and delivered nothing.
 */
describe.each(SERVICE_DIALECTS)('Private rooms end to end on the %s dialect (real stack, real WebSockets)', (service) => {
  const { connect, refusalOf } = stackPerSuite(service);


  it('refuses a non-member\'s join, invite and history; a member\'s invite lets the invitee in', async () => {
    const room = unique('plans');
    const alice = await connect(unique('alice'));
    const bob = await connect(unique('bob'));
    const mallory = await connect(unique('mallory'));
    const carol = await connect(unique('carol'));

    expect(await alice.request({ type: 'join', id: 'a-create', room, private: true })).toMatchObject({ ok: true });
    expect(await alice.waitFor((f) => f.type === 'room' && f.room === room && f.event === 'joined')).toMatchObject({ private: true });
    await alice.request({ type: 'send', id: 'a-secret', room, text: 'the secret plan' });
    await alice.waitFor((f) => f.type === 'message' && f.clientId === 'a-secret');

    // A non-member's join: refused; her next send to the room is refused too, so no membership was stored.
    await mallory.request({ type: 'join', id: 'm-join', room });
    expect(await refusalOf(mallory, 'm-join')).toMatchObject({ code: 'PARLEY_ROOM_PRIVATE' });
    await mallory.request({ type: 'send', id: 'm-marker-1', room, text: 'am I in?' });
    expect(await refusalOf(mallory, 'm-marker-1')).toMatchObject({ code: 'PARLEY_NOT_MEMBER' });

    // A non-member's invite: refused; the invitee is not a member (her send is refused) and heard nothing.
    await mallory.request({ type: 'invite', id: 'm-invite', room, user: carol.user });
    expect(await refusalOf(mallory, 'm-invite')).toMatchObject({ code: 'PARLEY_ROOM_PRIVATE' });
    await carol.request({ type: 'send', id: 'c-marker', room, text: 'was I invited?' });
    expect(await refusalOf(carol, 'c-marker')).toMatchObject({ code: 'PARLEY_NOT_MEMBER' });

    // A non-member's history: refused, and no history answer comes before her lobby marker does.
    await mallory.request({ type: 'history', id: 'm-history', room });
    expect(await refusalOf(mallory, 'm-history')).toMatchObject({ code: 'PARLEY_ROOM_PRIVATE' });
    await mallory.request({ type: 'send', id: 'm-marker-2', text: 'marker' });
    await mallory.waitFor((f) => f.type === 'message' && f.clientId === 'm-marker-2');

    // Alice's room marker reaches alice only: nothing of the room went to mallory or carol.
    await alice.request({ type: 'send', id: 'a-marker', room, text: 'still just me' });
    await alice.waitFor((f) => f.type === 'message' && f.clientId === 'a-marker');
    await mallory.request({ type: 'send', id: 'm-marker-3', text: 'marker' });
    await carol.waitFor((f) => f.type === 'message' && f.clientId === 'm-marker-3');
    await mallory.waitFor((f) => f.type === 'message' && f.clientId === 'm-marker-3');
    for (const outsider of [mallory, carol]) {
      expect(outsider.frames.filter((f) => f.type === 'history' || (f.type !== 'error' && JSON.stringify(f).includes(room)))).toEqual([]);
    }

    // A member invites bob: he is in, hears the room as private, can join (again), read and write.
    await alice.request({ type: 'invite', id: 'a-invite', room, user: bob.user });
    expect(await bob.waitFor((f) => f.type === 'room' && f.room === room && f.event === 'invited')).toMatchObject({ by: alice.user, private: true });
    expect(await bob.request({ type: 'join', id: 'b-join', room })).toMatchObject({ ok: true });
    await bob.waitFor((f) => f.type === 'room' && f.room === room && f.event === 'joined' && f.user === bob.user);
    bob.send({ type: 'history', id: 'b-history', room });
    const history = await bob.waitFor((f) => f.type === 'history' && f.id === 'b-history');
    expect((history.messages as Array<{ text: string }>).map((m) => m.text)).toEqual(['still just me', 'the secret plan']);
    await bob.request({ type: 'send', id: 'b-hello', room, text: 'thanks for the invite' });
    await alice.waitFor((f) => f.type === 'message' && f.clientId === 'b-hello');

    // The room is listed to its members only.
    const bobAgain = await connect(bob.user);
    expect(bobAgain.frames.find((f) => f.type === 'state')).toMatchObject({ rooms: [room], privateRooms: [room] });
    const malloryAgain = await connect(mallory.user);
    expect(JSON.stringify(malloryAgain.frames.find((f) => f.type === 'state'))).not.toContain(room);
  });

  it('refuses a private join of an existing public room, which stays public', async () => {
    const room = unique('lounge');
    const alice = await connect(unique('alice'));
    const mallory = await connect(unique('mallory'));
    await alice.request({ type: 'join', id: 'a-join', room });
    await alice.waitFor((f) => f.type === 'room' && f.room === room && f.event === 'joined');
    await mallory.request({ type: 'join', id: 'm-grab', room, private: true });
    expect(await refusalOf(mallory, 'm-grab')).toMatchObject({ code: 'PARLEY_ROOM_EXISTS' });
    await mallory.request({ type: 'join', id: 'm-join', room });
    const joined = await alice.waitFor((f) => f.type === 'room' && f.room === room && f.user === mallory.user && f.event === 'joined');
    expect(joined.private).toBeUndefined();
  });
});
