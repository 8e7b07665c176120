import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '@parley/contracts';
import { decideInvite, decideJoin, decideLeave } from './rooms.js';
import { decideFrame } from './frames.js';
import { givenEvent } from './test-context.js';

const ctx = givenEvent();
const errorCode = (decision: { commands: readonly unknown[] }) =>
  (decision.commands[0] as { frame: { type: string; error?: { code: string } } }).frame.error?.code;

describe('join', () => {
  const frame = { type: 'join', id: 'c4', room: 'dev' } as const;

  it('given alice is not in dev, a public room, when she joins, then rows are added and the group hears joined after she is in it', () => {
    const decision = decideJoin(frame, { member: false, visibility: 'public' }, ctx);

    expect(decision.writes).toEqual([
      { kind: 'putMember', hub: 'chat', room: 'dev', user: 'alice', joinedAt: ctx.receivedAt, eventId: ctx.eventId },
    ]);
    expect(decision.commands).toEqual([
      { action: 'addUserToGroup', hub: 'chat', group: 'room:dev', userId: 'alice' },
      { action: 'sendToGroup', hub: 'chat', group: 'room:dev', frame: { type: 'room', room: 'dev', user: 'alice', event: 'joined' } },
    ]);
  });

  it('given alice is already in dev, when she joins again, then nothing is written and only her connection is told', () => {
    const decision = decideJoin(frame, { member: true }, ctx);

    expect(decision.rejected).toBeUndefined();
    expect(decision.writes).toEqual([]);
    expect(decision.commands).toEqual([
      { action: 'addUserToGroup', hub: 'chat', group: 'room:dev', userId: 'alice' },
      { action: 'sendToConnection', hub: 'chat', connectionId: 'conn-a1', frame: { type: 'room', room: 'dev', user: 'alice', event: 'joined' } },
    ]);
  });
});

describe('leave', () => {
  const frame = { type: 'leave', id: 'c5', room: 'dev' } as const;

  it('given alice is in dev, when she leaves, then her rows go, the group hears left, then she leaves the group and is told herself', () => {
    const decision = decideLeave(frame, { roomExists: true, member: true }, ctx);
    const left = { type: 'room', room: 'dev', user: 'alice', event: 'left' };

    expect(decision.writes).toEqual([{ kind: 'removeMember', hub: 'chat', room: 'dev', user: 'alice' }]);
    expect(decision.commands).toEqual([
      { action: 'sendToGroup', hub: 'chat', group: 'room:dev', frame: left },
      { action: 'removeUserFromGroup', hub: 'chat', group: 'room:dev', userId: 'alice' },
      { action: 'sendToUser', hub: 'chat', userId: 'alice', frame: left },
    ]);
  });

  it('given alice is not in dev, when she leaves, then PARLEY_NOT_MEMBER', () => {
    const decision = decideLeave(frame, { roomExists: true, member: false }, ctx);
    expect(decision.rejected).toBe(ErrorCodes.notMember);
    expect(decision.writes).toEqual([]);
    expect(errorCode(decision)).toBe('PARLEY_NOT_MEMBER');
  });

  it('given dev does not exist, when alice leaves it, then PARLEY_UNKNOWN_ROOM', () => {
    const decision = decideLeave(frame, { roomExists: false, member: false }, ctx);
    expect(decision.rejected).toBe(ErrorCodes.unknownRoom);
    expect(errorCode(decision)).toBe('PARLEY_UNKNOWN_ROOM');
  });
});

describe('invite', () => {
  const frame = { type: 'invite', id: 'c6', room: 'dev', user: 'bob' } as const;
  const ok = { roomExists: true, senderMember: true, inviteeKnown: true, inviteeMember: false };

  it('given alice is in dev and bob is known and outside, when she invites bob, then bob is added and the room hears invited by alice', () => {
    const decision = decideInvite(frame, ok, ctx);

    expect(decision.writes).toEqual([
      { kind: 'putMember', hub: 'chat', room: 'dev', user: 'bob', joinedAt: ctx.receivedAt, eventId: ctx.eventId },
    ]);
    expect(decision.commands).toEqual([
      { action: 'addUserToGroup', hub: 'chat', group: 'room:dev', userId: 'bob' },
      { action: 'sendToGroup', hub: 'chat', group: 'room:dev', frame: { type: 'room', room: 'dev', user: 'bob', event: 'invited', by: 'alice' } },
    ]);
  });

  it.each([
    ['the room does not exist', { ...ok, roomExists: false, senderMember: false }, ErrorCodes.unknownRoom],
    ['alice is not a member', { ...ok, senderMember: false }, ErrorCodes.notMember],
    ['bob never connected', { ...ok, inviteeKnown: false }, ErrorCodes.unknownUser],
    ['bob is already a member', { ...ok, inviteeMember: true }, ErrorCodes.alreadyMember],
  ])('given %s, when alice invites bob, then it is refused with its code', (_what, state, code) => {
    const decision = decideInvite(frame, state, ctx);
    expect(decision.rejected).toBe(code);
    expect(decision.writes).toEqual([]);
    expect(decision.commands).toHaveLength(1);
    expect(errorCode(decision)).toBe(code);
  });
});

describe('decideFrame', () => {
  it('given state loaded for another frame type, when deciding, then it refuses rather than guessing', () => {
    expect(() => decideFrame({ type: 'join', id: 'c4', room: 'dev' }, { type: 'leave', state: { roomExists: true, member: true } }, ctx)).toThrow(TypeError);
  });

  it('given a frame and its state, when deciding, then it dispatches to the frame rule', () => {
    const decision = decideFrame({ type: 'leave', id: 'c5', room: 'dev' }, { type: 'leave', state: { roomExists: true, member: false } }, ctx);
    expect(decision.rejected).toBe(ErrorCodes.notMember);
  });
});
