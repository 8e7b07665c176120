import { expect } from 'vitest';
import { ChatClient } from '@parley/stack';
import { fresh, hostileCase, nothingLeaked, paced, refusedWith, ruleRefused, type HostileContext } from './harness.js';

/** Typing and read frames that must reach nobody: each refused with its code, then a marker shows nothing was relayed or stored. */
export function liveCases(ctx: HostileContext): void {
  /** bob's room, with bob in it (alice only when asked): bob watches what reaches the room. */
  async function bobsRoom(withAlice: boolean): Promise<{ bob: ChatClient; room: string }> {
    const bob = await ChatClient.connect(ctx.stack.gatewayUrl, fresh('bob'));
    await bob.waitFor((f) => f.type === 'state');
    const room = fresh('live');
    for (const member of withAlice ? [bob, ctx.alice] : [bob]) {
      await paced(member.user);
      await member.request({ type: 'join', id: fresh('join'), room });
      await bob.waitFor((f) => f.type === 'room' && f.room === room && f.event === 'joined' && f.user === member.user);
    }
    return { bob, room };
  }
  const typingFrom = (watcher: ChatClient, user: string) => watcher.frames.filter((f) => f.type === 'typing' && f.user === user);

  hostileCase(ctx, 'typing in a room the sender is not in', 'error ack PARLEY_NOT_MEMBER (the gateway relays typing itself); the member sees no typing frame; lobby marker seen by the member', async () => {
    const { bob, room } = await bobsRoom(false);
    await refusedWith(ctx.alice, JSON.stringify({ type: 'typing', id: 'nm-typing-1', room }), 'nm-typing-1', 'PARLEY_NOT_MEMBER');
    await nothingLeaked(ctx, ctx.alice, [], {}, bob);
    expect(typingFrom(bob, ctx.alice.user)).toEqual([]);
    await bob.close();
  });

  hostileCase(ctx, 'a typing flood in one room', 'the first relayed; the next within 2 s gets an error ack PARLEY_TYPING_THROTTLED; the member sees one typing frame; room marker', async () => {
    const { bob, room } = await bobsRoom(true);
    await paced(ctx.alice.user);
    expect(await ctx.alice.request({ type: 'typing', id: 'flood-typing-1', room })).toMatchObject({ ok: true });
    await refusedWith(ctx.alice, JSON.stringify({ type: 'typing', id: 'flood-typing-2', room }), 'flood-typing-2', 'PARLEY_TYPING_THROTTLED');
    await refusedWith(ctx.alice, JSON.stringify({ type: 'typing', id: 'flood-typing-3', room }), 'flood-typing-3', 'PARLEY_TYPING_THROTTLED');
    await nothingLeaked(ctx, ctx.alice, [], { room }, bob);
    expect(typingFrom(bob, ctx.alice.user)).toEqual([{ type: 'typing', user: ctx.alice.user, name: ctx.alice.user, room }]);
    await bob.close();
  });

  hostileCase(ctx, 'a read naming a message of another conversation', 'PARLEY_UNKNOWN_MESSAGE error frame; the room sees no read frame; room marker', async () => {
    const { bob, room } = await bobsRoom(true);
    await paced(ctx.alice.user);
    await ctx.alice.request({ type: 'send', id: fresh('lobby'), text: 'a lobby message' });
    const lobbyMessage = await ctx.alice.waitFor((f) => f.type === 'message' && f.from === ctx.alice.user && f.text === 'a lobby message' && f.room === undefined);
    await ruleRefused(ctx.alice, { type: 'read', id: 'other-read-1', room, message: String(lobbyMessage.id) }, 'PARLEY_UNKNOWN_MESSAGE');
    await nothingLeaked(ctx, ctx.alice, [], { room }, bob);
    expect(bob.frames.filter((f) => f.type === 'read')).toEqual([]);
    await bob.close();
  });

  hostileCase(ctx, 'a read in a room the reader is not in', 'PARLEY_NOT_MEMBER error frame; the member sees no read frame; lobby marker seen by the member', async () => {
    const { bob, room } = await bobsRoom(false);
    await paced(bob.user);
    await bob.request({ type: 'send', id: fresh('bob'), room, text: 'only for members' });
    const message = await bob.waitFor((f) => f.type === 'message' && f.room === room);
    await ruleRefused(ctx.alice, { type: 'read', id: 'nm-read-1', room, message: String(message.id) }, 'PARLEY_NOT_MEMBER');
    await nothingLeaked(ctx, ctx.alice, [], {}, bob);
    expect(bob.frames.filter((f) => f.type === 'read')).toEqual([]);
    await bob.close();
  });
}
