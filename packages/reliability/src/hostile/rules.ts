import { expect } from 'vitest';
import { ChatClient } from '@parley/stack';
import { fresh, hostileCase, nothingLeaked, ruleRefused, type HostileContext } from './harness.js';

/** Valid frames a chat rule refuses: acked as accepted, then an `error` frame with the code for their id. */
export function ruleCases(ctx: HostileContext): void {
  /** A room with one member who is not alice: the room exists, alice is an outsider. */
  async function someoneElsesRoom(): Promise<{ owner: ChatClient; room: string }> {
    const owner = await ChatClient.connect(ctx.stack.gatewayUrl, fresh('owner'));
    const room = fresh('room');
    await owner.request({ type: 'join', id: `join-${room}`, room });
    await owner.waitFor((f) => f.type === 'room' && f.room === room && f.event === 'joined');
    return { owner, room };
  }

  hostileCase(ctx, 'send to a room the sender is not in', 'PARLEY_NOT_MEMBER error frame; the member sees nothing; marker in the lobby from the same connection', async () => {
    const { owner, room } = await someoneElsesRoom();
    await ruleRefused(ctx.alice, { type: 'send', id: 'nm-send-1', room, text: 'intrusion' }, 'PARLEY_NOT_MEMBER');
    await nothingLeaked(ctx, ctx.alice, ['nm-send-1']);
    expect(owner.messages((f) => f.clientId === 'nm-send-1')).toEqual([]);
    // The room's own history (read by its member) does not hold it either: a marker there from the member.
    await nothingLeaked(ctx, owner, ['nm-send-1'], { room }, owner);
    await owner.close();
  });
  hostileCase(ctx, 'reading the history of a room the reader is not in', 'PARLEY_NOT_MEMBER error frame, no history answer for the id; lobby marker', async () => {
    const { owner, room } = await someoneElsesRoom();
    await ruleRefused(ctx.alice, { type: 'history', id: 'nm-hist-1', room }, 'PARLEY_NOT_MEMBER');
    await nothingLeaked(ctx, ctx.alice, []);
    expect(ctx.alice.frames.filter((f) => f.type === 'history' && f.id === 'nm-hist-1')).toEqual([]);
    await owner.close();
  });
  hostileCase(ctx, 'history of a room that does not exist', 'PARLEY_UNKNOWN_ROOM error frame, no history answer; lobby marker', async () => {
    await ruleRefused(ctx.alice, { type: 'history', id: 'ur-hist-1', room: fresh('nowhere') }, 'PARLEY_UNKNOWN_ROOM');
    await nothingLeaked(ctx, ctx.alice, []);
    expect(ctx.alice.frames.filter((f) => f.type === 'history' && f.id === 'ur-hist-1')).toEqual([]);
  });
  hostileCase(ctx, 'history paging with a forged cursor', 'PARLEY_BAD_CURSOR error frame for a cursor that decodes to no row key, no history answer; lobby marker', async () => {
    const forged = Buffer.from('9999999999999_../../other-conversation', 'utf8').toString('base64url');
    await ruleRefused(ctx.alice, { type: 'history', id: 'cursor-1', before: `${forged}!` }, 'PARLEY_BAD_CURSOR');
    await nothingLeaked(ctx, ctx.alice, []);
    expect(ctx.alice.frames.filter((f) => f.type === 'history' && f.id === 'cursor-1')).toEqual([]);
  });
  hostileCase(ctx, 'room names that climb paths (../, %2F, ?, #)', 'PARLEY_UNKNOWN_ROOM for each while "admin" exists; its member sees none; lobby marker', async () => {
    const { owner, room } = await someoneElsesRoom();
    const tricks = [`../${room}`, `${room}/..`, `${room}%2F..`, `${room}?x=1`, `${room}#frag`];
    for (const [i, trick] of tricks.entries()) await ruleRefused(ctx.alice, { type: 'send', id: `climb-${i}`, room: trick, text: 'climb' }, 'PARLEY_UNKNOWN_ROOM');
    const ids = tricks.map((_, i) => `climb-${i}`);
    await nothingLeaked(ctx, ctx.alice, ids);
    await nothingLeaked(ctx, owner, ids, { room }, owner);
    await owner.close();
  });
  hostileCase(ctx, 'a private message to a user name with path tricks', 'PARLEY_UNKNOWN_USER for "../<user>?x#y%2F" while <user> exists; <user> sees nothing; marker to <user>', async () => {
    const bob = await ChatClient.connect(ctx.stack.gatewayUrl, fresh('bob'));
    await bob.waitFor((f) => f.type === 'state');
    await ruleRefused(ctx.alice, { type: 'send', id: 'dm-trick-1', to: `../${bob.user}?x#y%2F`, text: 'misdirected' }, 'PARLEY_UNKNOWN_USER');
    await nothingLeaked(ctx, ctx.alice, ['dm-trick-1'], { to: bob.user }, bob);
    await bob.close();
  });
  hostileCase(ctx, 'a private message to oneself', 'PARLEY_SELF_MESSAGE error frame; marker to the lobby', async () => {
    await ruleRefused(ctx.alice, { type: 'send', id: 'self-1', to: ctx.alice.user, text: 'me' }, 'PARLEY_SELF_MESSAGE');
    await nothingLeaked(ctx, ctx.alice, ['self-1']);
  });
  hostileCase(ctx, 'leaving a room one is not in', 'PARLEY_NOT_MEMBER error frame; the member hears no "left"; marker in the room from its member', async () => {
    const { owner, room } = await someoneElsesRoom();
    await ruleRefused(ctx.alice, { type: 'leave', id: 'nm-leave-1', room }, 'PARLEY_NOT_MEMBER');
    await nothingLeaked(ctx, owner, [], { room }, owner);
    expect(owner.frames.filter((f) => f.type === 'room' && f.user === ctx.alice.user)).toEqual([]);
    await owner.close();
  });
  hostileCase(ctx, 'leaving a room that does not exist', 'PARLEY_UNKNOWN_ROOM error frame; lobby marker', async () => {
    await ruleRefused(ctx.alice, { type: 'leave', id: 'ur-leave-1', room: fresh('nowhere') }, 'PARLEY_UNKNOWN_ROOM');
    await nothingLeaked(ctx, ctx.alice, []);
  });
  hostileCase(ctx, 'inviting someone into a room one is not in', 'PARLEY_NOT_MEMBER error frame; the room hears no "invited"; marker in the room', async () => {
    const { owner, room } = await someoneElsesRoom();
    await ruleRefused(ctx.alice, { type: 'invite', id: 'nm-inv-1', room, user: ctx.watcher.user }, 'PARLEY_NOT_MEMBER');
    await nothingLeaked(ctx, owner, [], { room }, owner);
    expect(owner.frames.filter((f) => f.type === 'room' && f.event === 'invited')).toEqual([]);
    await owner.close();
  });
  hostileCase(ctx, 'inviting a user nobody has seen', 'PARLEY_UNKNOWN_USER error frame; the room hears no "invited"; marker in the room', async () => {
    // A room of its own member, who has sent nothing before (the other cases spend alice's frames).
    const { owner, room } = await someoneElsesRoom();
    await ruleRefused(owner, { type: 'invite', id: 'uu-inv-1', room, user: fresh('ghost') }, 'PARLEY_UNKNOWN_USER');
    await nothingLeaked(ctx, owner, [], { room }, owner);
    expect(owner.frames.filter((f) => f.type === 'room' && f.room === room && f.event === 'invited')).toEqual([]);
    await owner.close();
  });
  hostileCase(ctx, 'inviting someone already in the room', 'PARLEY_ALREADY_MEMBER error frame; no second "invited"; marker in the room', async () => {
    const { owner, room } = await someoneElsesRoom();
    await ruleRefused(owner, { type: 'invite', id: 'am-inv-1', room, user: owner.user }, 'PARLEY_ALREADY_MEMBER');
    await nothingLeaked(ctx, owner, [], { room }, owner);
    expect(owner.frames.filter((f) => f.type === 'room' && f.event === 'invited')).toEqual([]);
    await owner.close();
  });

  /** A private room with one member who is not alice. */
  async function someoneElsesPrivateRoom(): Promise<{ owner: ChatClient; room: string }> {
    const owner = await ChatClient.connect(ctx.stack.gatewayUrl, fresh('owner'));
    const room = fresh('private');
    await owner.request({ type: 'join', id: `join-${room}`, room, private: true });
    await owner.waitFor((f) => f.type === 'room' && f.room === room && f.event === 'joined' && f.private === true);
    await owner.request({ type: 'send', id: `secret-${room}`, room, text: 'for members only' });
    await owner.waitFor((f) => f.type === 'message' && f.clientId === `secret-${room}`);
    return { owner, room };
  }
  const roomFramesOf = (client: ChatClient, room: string) => client.frames.filter((f) => f.type !== 'error' && f.type !== 'ack' && JSON.stringify(f).includes(room));

  hostileCase(ctx, 'joining a private room without an invitation', 'PARLEY_ROOM_PRIVATE error frame; the member hears no "joined"; alice gets nothing of the room; marker in the room from its member', async () => {
    const { owner, room } = await someoneElsesPrivateRoom();
    await ruleRefused(ctx.alice, { type: 'join', id: 'pr-join-1', room }, 'PARLEY_ROOM_PRIVATE');
    await ruleRefused(ctx.alice, { type: 'join', id: 'pr-join-2', room, private: true }, 'PARLEY_ROOM_PRIVATE');
    await nothingLeaked(ctx, owner, [], { room }, owner);
    expect(owner.frames.filter((f) => f.type === 'room' && f.user === ctx.alice.user)).toEqual([]);
    // Still no member: alice's send to the room is refused, and the room's history has none of hers.
    await ruleRefused(ctx.alice, { type: 'send', id: 'pr-join-send', room, text: 'am I in?' }, 'PARLEY_NOT_MEMBER');
    await nothingLeaked(ctx, owner, [], { room }, owner);
    expect(roomFramesOf(ctx.alice, room)).toEqual([]);
    await owner.close();
  });
  hostileCase(ctx, 'inviting someone into a private room one is not in', 'PARLEY_ROOM_PRIVATE error frame; the room hears no "invited", the invitee nothing; marker in the room', async () => {
    const { owner, room } = await someoneElsesPrivateRoom();
    await ruleRefused(ctx.alice, { type: 'invite', id: 'pr-inv-1', room, user: ctx.watcher.user }, 'PARLEY_ROOM_PRIVATE');
    await nothingLeaked(ctx, owner, [], { room }, owner);
    expect(owner.frames.filter((f) => f.type === 'room' && f.event === 'invited')).toEqual([]);
    expect(roomFramesOf(ctx.watcher, room)).toEqual([]);
    await owner.close();
  });
  hostileCase(ctx, 'reading the history of a private room one is not in', 'PARLEY_ROOM_PRIVATE error frame, no history answer for the id; lobby marker', async () => {
    const { owner, room } = await someoneElsesPrivateRoom();
    await ruleRefused(ctx.alice, { type: 'history', id: 'pr-hist-1', room }, 'PARLEY_ROOM_PRIVATE');
    await nothingLeaked(ctx, ctx.alice, []);
    expect(ctx.alice.frames.filter((f) => f.type === 'history' && f.id === 'pr-hist-1')).toEqual([]);
    expect(roomFramesOf(ctx.alice, room)).toEqual([]);
    await owner.close();
  });
}

/** The flood runs last: the rooms it creates leave a backlog behind them that would slow every later case. */
export function floodCase(ctx: HostileContext): void {
  hostileCase(
    ctx,
    '10,000 joins from one user',
    'over 20 connections of one user (the service hands one connection\'s frames upstream one at a time, so one socket never outruns the limit): every join acked or refused PARLEY_RATE_LIMITED for its own id, no more accepted than the bucket refilled; a refused room does not exist (PARLEY_UNKNOWN_ROOM to another user); a bystander unaffected; marker',
    async () => {
      const user = fresh('joiner');
      const tabs = await Promise.all(Array.from({ length: 20 }, () => ChatClient.connect(ctx.stack.gatewayUrl, user)));
      const bystander = await ChatClient.connect(ctx.stack.gatewayUrl, fresh('bystander'));
      const floodStart = Date.now();
      const acks = Array.from({ length: 10_000 }, (_, i) => tabs[i % tabs.length]!.request({ type: 'join', id: `fj-${i}`, room: `flood-${user}-${i}` }, 280_000));
      const calm = await bystander.request({ type: 'send', id: fresh('calm'), text: 'calm' }, 60_000);
      expect(calm).toMatchObject({ ok: true });
      const answers = await Promise.all(acks);
      const seconds = (Date.now() - floodStart) / 1000;
      const accepted = answers.filter((a) => a.ok === true);
      const limited = answers.filter((a) => a.ok === false && (a.error as { code: string }).code === 'PARLEY_RATE_LIMITED');
      expect(accepted.length + limited.length).toBe(10_000);
      // The bucket (burst 20, 10 frames/s) let through no more than it refilled while the flood lasted.
      expect(accepted.length).toBeLessThanOrEqual(20 + Math.ceil(10 * seconds) + 10);
      expect(limited.length).toBeGreaterThan(0);
      // Refused joins created nothing: another user asking for a refused room's history learns it does not exist.
      for (const ack of limited.slice(0, 3)) await ruleRefused(bystander, { type: 'history', id: fresh('probe'), room: `flood-${user}-${String(ack.id).slice(3)}` }, 'PARLEY_UNKNOWN_ROOM');
      // The rule under test: the bucket refills (burst 20 at 10 frames/s), then the user is served again.
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      await nothingLeaked(ctx, tabs[0]!, []);
      await Promise.all([...tabs, bystander].map((client) => client.close()));
    },
    300_000,
  );
}

