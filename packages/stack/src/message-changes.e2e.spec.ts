import { describe, expect, it } from 'vitest';
import { ChatClient } from './chat-client.js';
import { SERVICE_DIALECTS } from './dialect.js';
import { stackPerSuite, unique } from './e2e-setup.js';

type Frame = Awaited<ReturnType<ChatClient['waitFor']>>;

/**
 * Edits, deletes, replies and reactions through the whole stack in each dialect. Every refusal is
 * followed by a marker: a later frame of the same user, handled in order after it, whose delivery
 * shows the refused frame stored and delivered nothing.
 */
describe.each(SERVICE_DIALECTS)('Message changes end to end on the %s dialect (real stack, real WebSockets)', (service) => {
  const { connect, refusalOf } = stackPerSuite(service);
  const join = async (client: ChatClient, room: string, watchers: ChatClient[]) => {
    expect(await client.request({ type: 'join', id: unique('join'), room })).toMatchObject({ ok: true });
    for (const watcher of [client, ...watchers]) await watcher.waitFor((f) => f.type === 'room' && f.room === room && f.user === client.user && f.event === 'joined');
  };
  /** Sends a room message and waits until `readers` have it; its server id. */
  const say = async (client: ChatClient, room: string | undefined, text: string, readers: ChatClient[], replyTo?: string): Promise<Frame> => {
    const id = unique('m');
    await client.request({ type: 'send', id, text, ...(room === undefined ? {} : { room }), ...(replyTo === undefined ? {} : { replyTo }) });
    const [frame] = await Promise.all([client, ...readers].map((reader) => reader.waitFor((f) => f.type === 'message' && f.clientId === id)));
    return frame!;
  };
  const updateOf = (client: ChatClient, message: string, test: (f: Frame) => boolean = () => true) =>
    client.waitFor((f) => f.type === 'update' && f.id === message && test(f));


  it('edits, deletes (by the author and the room owner), reactions of two users and a reply reach the room; history shows them', async () => {
    const room = unique('dev');
    const alice = await connect(unique('alice'));
    const bob = await connect(unique('bob'));
    const carol = await connect(unique('carol'));
    await join(alice, room, []);
    await join(bob, room, [alice]);
    await join(carol, room, [alice, bob]);
    const everyone = [alice, bob, carol];

    // An edit by the author: everyone sees the new text and when.
    const typo = await say(bob, room, 'helo all', [alice, carol]);
    await bob.request({ type: 'edit', id: 'b-edit', room, message: String(typo.id), text: 'hello all' });
    for (const client of everyone) {
      expect(await updateOf(client, String(typo.id))).toMatchObject({ from: bob.user, room, text: 'hello all', by: bob.user, editedAt: expect.any(String) });
    }

    // Two users react at once: both kept, the last update counts both.
    const lunch = await say(alice, room, 'lunch at noon?', [bob, carol]);
    bob.send({ type: 'react', id: 'b-react', room, message: String(lunch.id), emoji: 'thumbsup' });
    carol.send({ type: 'react', id: 'c-react', room, message: String(lunch.id), emoji: 'thumbsup' });
    const both = await updateOf(alice, String(lunch.id), (f) => JSON.stringify(f.reactions).includes('"count":2'));
    expect(both.reactions).toEqual([{ emoji: 'thumbsup', count: 2, users: expect.arrayContaining([bob.user, carol.user]) }]);

    // A reply quotes the answered message.
    const reply = await say(carol, room, 'yes, the usual place', [alice, bob], String(lunch.id));
    expect(reply.replyTo).toEqual({ id: lunch.id, from: alice.user, fromName: alice.user, text: 'lunch at noon?' });

    // The author deletes their own message; the room's owner deletes someone else's.
    await bob.request({ type: 'delete', id: 'b-delete', room, message: String(typo.id) });
    for (const client of everyone) expect(await updateOf(client, String(typo.id), (f) => f.deleted === true)).toMatchObject({ text: '', by: bob.user });
    const spam = await say(carol, room, 'buy cheap watches', [alice, bob]);
    await alice.request({ type: 'delete', id: 'a-delete', room, message: String(spam.id) });
    for (const client of everyone) expect(await updateOf(client, String(spam.id), (f) => f.deleted === true)).toMatchObject({ from: carol.user, by: alice.user });

    // History returns each message as it is now.
    bob.send({ type: 'history', id: 'b-history', room });
    const history = (await bob.waitFor((f) => f.type === 'history' && f.id === 'b-history')).messages as Frame[];
    const byId = new Map(history.map((m) => [String(m.id), m]));
    expect(byId.get(String(typo.id))).toMatchObject({ text: '', deleted: true });
    expect(byId.get(String(typo.id))).not.toHaveProperty('editedAt');
    expect(byId.get(String(spam.id))).toMatchObject({ text: '', deleted: true });
    expect(byId.get(String(lunch.id))).toMatchObject({ text: 'lunch at noon?', reactions: [{ emoji: 'thumbsup', count: 2 }] });
    expect(byId.get(String(reply.id))).toMatchObject({ replyTo: { id: lunch.id, text: 'lunch at noon?' } });
  });

  it("refuses editing or deleting someone else's message, reacting in a room one is not in, and a reply to another conversation's message", async () => {
    const room = unique('ops');
    const alice = await connect(unique('alice'));
    const bob = await connect(unique('bob'));
    const mallory = await connect(unique('mallory'));
    await join(alice, room, []);
    await join(bob, room, [alice]);
    const plan = await say(alice, room, 'the plan', [bob]);
    const lobbyNote = await say(mallory, undefined, 'lobby note', [alice, bob]);

    // A plain member: someone else's message can be neither edited nor deleted.
    await bob.request({ type: 'edit', id: 'b-edit', room, message: String(plan.id), text: 'my plan now' });
    expect(await refusalOf(bob, 'b-edit')).toMatchObject({ code: 'PARLEY_NOT_AUTHOR' });
    await bob.request({ type: 'delete', id: 'b-delete', room, message: String(plan.id) });
    expect(await refusalOf(bob, 'b-delete')).toMatchObject({ code: 'PARLEY_NOT_AUTHOR' });
    // A reply in the room to a lobby message.
    await bob.request({ type: 'send', id: 'b-reply', room, text: 're: lobby', replyTo: String(lobbyNote.id) });
    expect(await refusalOf(bob, 'b-reply')).toMatchObject({ code: 'PARLEY_REPLY_OTHER_CONVERSATION' });
    // Not a member: a reaction in the room is refused, as is one naming the room's message in the lobby.
    await mallory.request({ type: 'react', id: 'm-react', room, message: String(plan.id), emoji: 'fire' });
    expect(await refusalOf(mallory, 'm-react')).toMatchObject({ code: 'PARLEY_NOT_MEMBER' });
    await mallory.request({ type: 'react', id: 'm-react-lobby', message: String(plan.id), emoji: 'fire' });
    expect(await refusalOf(mallory, 'm-react-lobby')).toMatchObject({ code: 'PARLEY_UNKNOWN_MESSAGE' });
    // An unknown emoji is refused by the gateway's ack.
    expect(await bob.request({ type: 'react', id: 'b-poop', room, message: String(plan.id), emoji: 'poop' })).toMatchObject({
      ok: false,
      error: { code: 'PARLEY_UNKNOWN_EMOJI' },
    });

    // Markers: each refused sender's next frame arrives after the refused ones were handled.
    await say(bob, room, 'bob marker', [alice]);
    await say(mallory, undefined, 'mallory marker', [alice, bob]);
    for (const client of [alice, bob, mallory]) {
      expect(client.frames.filter((f) => f.type === 'update')).toEqual([]);
      expect(client.messages((f) => f.text === 're: lobby')).toEqual([]);
    }
    bob.send({ type: 'history', id: 'b-history', room });
    const history = (await bob.waitFor((f) => f.type === 'history' && f.id === 'b-history')).messages as Frame[];
    expect(history.find((m) => m.id === plan.id)).toEqual(expect.objectContaining({ text: 'the plan' }));
    expect(history.find((m) => m.id === plan.id)).not.toHaveProperty('reactions');
  });
});
