import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '@parley/contracts';
import { planHistory } from './history.js';
import { decideInvite, decideJoin } from './rooms.js';
import { givenEvent } from './test-context.js';
import type { Decision } from './types.js';

const ctx = givenEvent();
const errorFrame = (decision: Decision) => (decision.commands[0] as { action: string; connectionId: string; frame: { type: string; id: string; error?: { code: string } } });

function expectRefused(decision: Decision, code: string, clientId: string): void {
  expect(decision.rejected).toBe(code);
  expect(decision.writes).toEqual([]);
  expect(decision.commands).toHaveLength(1);
  const command = errorFrame(decision);
  expect(command.action).toBe('sendToConnection');
  expect(command.connectionId).toBe(ctx.connectionId);
  expect(command.frame.type).toBe('error');
  expect(command.frame.id).toBe(clientId);
  expect(command.frame.error?.code).toBe(code);
}

describe('creating a room', () => {
  it('given no room "plans", when alice joins it with private, then the room row says private and she is its first member', () => {
    const decision = decideJoin({ type: 'join', id: 'c1', room: 'plans', private: true }, { member: false, roomExists: false }, ctx);

    expect(decision.rejected).toBeUndefined();
    expect(decision.writes).toEqual([
      { kind: 'putRoom', hub: 'chat', room: 'plans', visibility: 'private', createdBy: 'alice', createdAt: ctx.receivedAt, eventId: ctx.eventId },
      { kind: 'putMember', hub: 'chat', room: 'plans', user: 'alice', joinedAt: ctx.receivedAt, eventId: ctx.eventId, private: true },
    ]);
    expect(decision.commands).toEqual([
      { action: 'addUserToGroup', hub: 'chat', group: 'room:plans', userId: 'alice' },
      { action: 'sendToGroup', hub: 'chat', group: 'room:plans', frame: { type: 'room', room: 'plans', user: 'alice', event: 'joined', private: true } },
    ]);
  });

  it('given no room "dev", when alice joins it without private, then the room row says public', () => {
    const decision = decideJoin({ type: 'join', id: 'c1', room: 'dev' }, { member: false, roomExists: false }, ctx);

    expect(decision.writes[0]).toMatchObject({ kind: 'putRoom', visibility: 'public' });
    expect(decision.writes[1]).not.toHaveProperty('private');
  });

  it('given a public room with members but no room row (made before rooms had one), when bob joins, then he joins it and its row is recorded public', () => {
    const decision = decideJoin({ type: 'join', id: 'c1', room: 'old' }, { member: false, roomExists: true }, givenEvent({ userId: 'bob' }));

    expect(decision.rejected).toBeUndefined();
    expect(decision.writes.map((write) => write.kind)).toEqual(['putRoom', 'putMember']);
    expect(decision.writes[0]).toMatchObject({ visibility: 'public' });
    expect(decision.writes[1]).not.toHaveProperty('private');
  });

  it('given a public room whose row exists, when bob joins, then only his member rows are written', () => {
    const decision = decideJoin({ type: 'join', id: 'c1', room: 'dev' }, { member: false, visibility: 'public' }, givenEvent({ userId: 'bob' }));
    expect(decision.writes.map((write) => write.kind)).toEqual(['putMember']);
  });

  it('given a public room exists, when alice joins it with private, then PARLEY_ROOM_EXISTS and nothing is written', () => {
    expectRefused(decideJoin({ type: 'join', id: 'c2', room: 'dev', private: true }, { member: false, visibility: 'public' }, ctx), ErrorCodes.roomExists, 'c2');
    expectRefused(decideJoin({ type: 'join', id: 'c3', room: 'old', private: true }, { member: false, roomExists: true }, ctx), ErrorCodes.roomExists, 'c3');
  });
});

describe('joining a private room', () => {
  it('given "plans" is private and mallory is not a member, when she joins (with or without private), then PARLEY_ROOM_PRIVATE and nothing is written', () => {
    const mallory = givenEvent({ userId: 'mallory', connectionId: 'conn-m1' });
    for (const frame of [
      { type: 'join', id: 'm1', room: 'plans' } as const,
      { type: 'join', id: 'm2', room: 'plans', private: true } as const,
    ]) {
      const decision = decideJoin(frame, { member: false, visibility: 'private' }, mallory);
      expect(decision.rejected).toBe(ErrorCodes.roomPrivate);
      expect(decision.writes).toEqual([]);
      expect(decision.commands).toEqual([
        { action: 'sendToConnection', hub: 'chat', connectionId: 'conn-m1', frame: { type: 'error', id: frame.id, error: { code: 'PARLEY_ROOM_PRIVATE', message: 'room "plans" is private: only a member can invite you' } } },
      ]);
    }
  });

  it('given bob was invited (so is a member), when he joins, then it is the harmless re-join, marked private', () => {
    const decision = decideJoin({ type: 'join', id: 'b1', room: 'plans' }, { member: true, visibility: 'private' }, givenEvent({ userId: 'bob', connectionId: 'conn-b1' }));

    expect(decision.writes).toEqual([]);
    expect(decision.commands[1]).toEqual({
      action: 'sendToConnection',
      hub: 'chat',
      connectionId: 'conn-b1',
      frame: { type: 'room', room: 'plans', user: 'bob', event: 'joined', private: true },
    });
  });
});

describe('inviting to a private room', () => {
  const frame = { type: 'invite', id: 'i1', room: 'plans', user: 'bob' } as const;

  it('given alice is a member of private "plans", when she invites bob, then his rows say private and the room hears invited, private', () => {
    const decision = decideInvite(frame, { roomExists: true, senderMember: true, inviteeKnown: true, inviteeMember: false, visibility: 'private' }, ctx);

    expect(decision.writes).toEqual([
      { kind: 'putMember', hub: 'chat', room: 'plans', user: 'bob', joinedAt: ctx.receivedAt, eventId: ctx.eventId, private: true },
    ]);
    expect(decision.commands).toEqual([
      { action: 'addUserToGroup', hub: 'chat', group: 'room:plans', userId: 'bob' },
      { action: 'sendToGroup', hub: 'chat', group: 'room:plans', frame: { type: 'room', room: 'plans', user: 'bob', event: 'invited', by: 'alice', private: true } },
    ]);
  });

  it('given mallory is not a member of private "plans", when she invites bob, then PARLEY_ROOM_PRIVATE and nothing is written', () => {
    const state = { roomExists: true, senderMember: false, inviteeKnown: true, inviteeMember: false, visibility: 'private' } as const;
    expectRefused(decideInvite(frame, state, ctx), ErrorCodes.roomPrivate, 'i1');
  });

  it('given a public room, when a non-member invites, then PARLEY_NOT_MEMBER as before', () => {
    const state = { roomExists: true, senderMember: false, inviteeKnown: true, inviteeMember: false } as const;
    expectRefused(decideInvite(frame, state, ctx), ErrorCodes.notMember, 'i1');
  });
});

describe('history of a private room', () => {
  const frame = { type: 'history', id: 'h1', room: 'plans' } as const;

  it('given mallory is not a member of private "plans", when she asks for its history, then PARLEY_ROOM_PRIVATE and nothing is read', () => {
    const plan = planHistory(frame, { kind: 'room', roomExists: true, member: false, private: true }, ctx, 50);
    expect(plan.ok).toBe(false);
    if (!plan.ok) expectRefused(plan.decision, ErrorCodes.roomPrivate, 'h1');
  });

  it('given alice is a member, when she asks, then the query reads the room', () => {
    const plan = planHistory(frame, { kind: 'room', roomExists: true, member: true, private: true }, ctx, 50);
    expect(plan).toEqual({ ok: true, query: { conversation: { kind: 'room', room: 'plans' }, limit: 50 } });
  });
});
