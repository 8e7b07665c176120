import { describe, expect, it } from 'vitest';
import { ChatClient } from './chat-client.js';
import { SERVICE_DIALECTS } from './dialect.js';
import { stackPerSuite, unique } from './e2e-setup.js';

type Frame = Awaited<ReturnType<ChatClient['waitFor']>>;

/**
 * Typing, read positions and unread counts through the whole stack in each dialect. What must
 * not arrive is checked with a marker: a later frame on the same path, after which the
 * unwanted frame would have arrived first.
 */
describe.each(SERVICE_DIALECTS)('Typing and read state end to end on the %s dialect (real stack, real WebSockets)', (service) => {
  const { connect } = stackPerSuite(service);
  const join = async (client: ChatClient, room: string) => {
    await client.request({ type: 'join', id: unique('join'), room });
    await client.waitFor((f) => f.type === 'room' && f.room === room && f.event === 'joined' && f.user === client.user);
  };
  const say = async (client: ChatClient, room: string, text: string) => {
    const id = unique('send');
    await client.request({ type: 'send', id, room, text });
    return client.waitFor((f) => f.type === 'message' && f.clientId === id);
  };
  /** The code a frame was refused with: by its ack at the gateway, or by an error frame from the worker after an ok ack. */
  const refusal = async (client: ChatClient, ack: Frame) => {
    if (ack.ok === false) return (ack.error as { code: string }).code;
    return ((await client.waitFor((f) => f.type === 'error' && f.id === ack.id)).error as { code: string }).code;
  };


  it('bob sees alice typing in a room he is in and in their direct chat, not in a room he is not in; a flood, an outsider and an unknown receiver are refused', async () => {
    const [shared, other] = [unique('shared'), unique('other')];
    const alice = await connect(unique('alice'));
    const bob = await connect(unique('bob'));
    const carol = await connect(unique('carol'));
    for (const [client, room] of [[alice, shared], [bob, shared], [alice, other], [carol, other]] as const) await join(client, room);

    expect(await alice.request({ type: 'typing', id: 'a-t1', room: shared })).toMatchObject({ ok: true });
    expect(await bob.waitFor((f) => f.type === 'typing' && f.room === shared)).toEqual({ type: 'typing', user: alice.user, name: alice.user, room: shared });
    expect(await alice.request({ type: 'typing', id: 'a-t2', room: other })).toMatchObject({ ok: true });
    await carol.waitFor((f) => f.type === 'typing' && f.room === other && f.user === alice.user);
    expect(await alice.request({ type: 'typing', id: 'a-t3', to: bob.user })).toMatchObject({ ok: true });
    expect(await bob.waitFor((f) => f.type === 'typing' && f.to === bob.user)).toMatchObject({ user: alice.user });

    // A flood: the next typing frame in the same room within the interval is refused.
    const flood = await alice.request({ type: 'typing', id: 'a-t4', room: shared });
    expect(await refusal(alice, flood)).toBe('PARLEY_TYPING_THROTTLED');
    // An outsider to the room, and a receiver nobody has seen: refused, relayed to nobody.
    expect(await refusal(carol, await carol.request({ type: 'typing', id: 'c-t1', room: shared }))).toBe('PARLEY_NOT_MEMBER');
    expect(await refusal(alice, await alice.request({ type: 'typing', id: 'a-t5', to: unique('nobody') }))).toBe('PARLEY_UNKNOWN_USER');

    // The marker: alice's message to the shared room, sent after every typing frame above was answered
    // (an ok ack means the WebSocket service had the notice), so anything relayed is ahead of it.
    await say(alice, shared, 'marker');
    await bob.waitFor((f) => f.type === 'message' && f.text === 'marker');
    const typingSeenByBob = bob.frames.filter((f) => f.type === 'typing');
    expect(typingSeenByBob.map((f) => f.room ?? `to:${String(f.to)}`)).toEqual([shared, `to:${bob.user}`]);
  });

  it('a read position reaches both of alice’s connections and, as "seen by", the room', async () => {
    const room = unique('seen');
    const name = unique('alice');
    const alice = await connect(name);
    const aliceElsewhere = await connect(name);
    const bob = await connect(unique('bob'));
    await join(alice, room);
    await join(bob, room);
    const message = await say(bob, room, 'read me');
    await alice.waitFor((f) => f.type === 'message' && f.id === message.id);

    expect(await alice.request({ type: 'read', id: 'a-r1', room, message: String(message.id) })).toMatchObject({ ok: true });
    const read = { type: 'read', user: name, room, message: message.id, at: message.at };
    expect(await aliceElsewhere.waitFor((f) => f.type === 'read' && f.message === message.id)).toEqual(read);
    expect(await alice.waitFor((f) => f.type === 'read' && f.message === message.id)).toEqual(read);
    expect(await bob.waitFor((f) => f.type === 'read' && f.user === name)).toEqual(read);
  });

  it('after a reconnect the state frame counts the unread messages after the read position, and the mention among them', async () => {
    const room = unique('unread');
    const name = unique('alice');
    let alice = await connect(name);
    const bob = await connect(unique('bob'));
    await join(alice, room);
    await join(bob, room);
    const first = await say(bob, room, 'first');
    await alice.request({ type: 'read', id: 'a-r1', room, message: String(first.id) });
    await alice.waitFor((f) => f.type === 'read' && f.message === first.id);
    await alice.close();

    await say(bob, room, 'second');
    const mention = await say(bob, room, `third, @${name}`);
    expect(mention.mentions).toEqual([name]);
    alice = await connect(name);
    const state = alice.frames.find((f) => f.type === 'state')!;
    const unread = (state.unread as Array<{ room?: string }> | undefined)?.find((entry) => entry.room === room);
    expect(unread).toEqual({ room, count: 2, mentions: 1, lastRead: first.id });
  });

  it('a direct chat written to while its receiver was away is listed, with its unread count, when they connect', async () => {
    const name = unique('alice');
    let alice = await connect(name);
    const bob = await connect(unique('bob'));
    await alice.close();

    for (const text of ['are you there?', 'ping']) {
      const id = unique('dm');
      expect(await bob.request({ type: 'send', id, to: name, text })).toMatchObject({ ok: true });
      await bob.waitFor((f) => f.type === 'message' && f.clientId === id);
    }
    alice = await connect(name);
    const state = alice.frames.find((f) => f.type === 'state')!;
    const direct = (state.unread as Array<{ with?: string }> | undefined)?.filter((entry) => entry.with !== undefined);
    expect(direct).toEqual([{ with: bob.user, count: 2, mentions: 0 }]);
  });
});
