import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '@parley/contracts';
import { decideFrame } from './frames.js';
import { decideBan, decideMute, decideRemove, decideRole, type ModerationState } from './moderation.js';
import type { MemberRow, RoomCounter } from './moderation-writes.js';
import { givenEvent } from './test-context.js';
import type { Decision } from './types.js';

const owner = givenEvent({ userId: 'alice', userName: 'Alice' });
const moderator = givenEvent({ userId: 'mod', connectionId: 'conn-mod' });
const plain = givenEvent({ userId: 'pat', connectionId: 'conn-pat' });
const row = (extra: Partial<MemberRow> = {}): MemberRow => ({ joinedAt: '2025-01-01T00:00:00.000Z', eventId: 'J1', ...extra });
const counter: RoomCounter = { members: 4, visibility: 'public', etag: 'etag-9' };

/** alice owns "dev"; mod is a moderator; bob is a member; the actor's row is the context user's. */
function given(actor: MemberRow | undefined, target: MemberRow | undefined, extra: Partial<ModerationState> = {}): ModerationState {
  return {
    roomExists: true,
    visibility: 'public',
    owner: 'alice',
    ...(actor ? { actor } : {}),
    ...(target ? { target } : {}),
    targetBanned: false,
    targetVoice: target !== undefined && target.mutedUntil === undefined,
    counter,
    ...extra,
  };
}

function expectRefused(decision: Decision, code: string, clientId = 'm1'): void {
  expect(decision.rejected).toBe(code);
  expect(decision.writes).toEqual([]);
  expect(decision.commands).toEqual([
    { action: 'sendToConnection', hub: 'chat', connectionId: expect.any(String), frame: { type: 'error', id: clientId, error: { code, message: expect.any(String) } } },
  ]);
}

describe('who may moderate', () => {
  it('given no room, when anyone moderates, then PARLEY_UNKNOWN_ROOM', () => {
    expectRefused(decideRemove({ type: 'remove', id: 'm1', room: 'dev', user: 'bob' }, { roomExists: false, targetBanned: false, targetVoice: false }, owner), ErrorCodes.unknownRoom);
  });

  it('given a non-member, when they moderate a public room, then PARLEY_NOT_MEMBER; a private room, then PARLEY_ROOM_PRIVATE', () => {
    expectRefused(decideBan({ type: 'ban', id: 'm1', room: 'dev', user: 'bob' }, given(undefined, row()), plain), ErrorCodes.notMember);
    expectRefused(decideBan({ type: 'ban', id: 'm1', room: 'dev', user: 'bob' }, given(undefined, row(), { visibility: 'private' }), plain), ErrorCodes.roomPrivate);
  });

  it('given a plain member, when they remove, ban, mute or change a role, then PARLEY_NOT_MODERATOR', () => {
    const state = given(row(), row());
    expectRefused(decideRemove({ type: 'remove', id: 'm1', room: 'dev', user: 'bob' }, state, plain), ErrorCodes.notModerator);
    expectRefused(decideBan({ type: 'ban', id: 'm1', room: 'dev', user: 'bob' }, state, plain), ErrorCodes.notModerator);
    expectRefused(decideBan({ type: 'ban', id: 'm1', room: 'dev', user: 'bob', lift: true }, state, plain), ErrorCodes.notModerator);
    expectRefused(decideMute({ type: 'mute', id: 'm1', room: 'dev', user: 'bob', minutes: 5 }, state, plain), ErrorCodes.notModerator);
    expectRefused(decideRole({ type: 'role', id: 'm1', room: 'dev', user: 'bob', role: 'moderator' }, state, plain), ErrorCodes.notModerator);
  });

  it('given a moderator, when they change a role, then PARLEY_NOT_MODERATOR: roles are the owner\'s', () => {
    expectRefused(decideRole({ type: 'role', id: 'm1', room: 'dev', user: 'bob', role: 'moderator' }, given(row({ role: 'moderator' }), row()), moderator), ErrorCodes.notModerator);
  });

  it('given anyone, when they act on the owner, then PARLEY_TARGET_IS_OWNER (the owner on themselves too)', () => {
    const state = given(row({ role: 'moderator' }), row());
    expectRefused(decideRemove({ type: 'remove', id: 'm1', room: 'dev', user: 'alice' }, state, moderator), ErrorCodes.targetIsOwner);
    expectRefused(decideBan({ type: 'ban', id: 'm1', room: 'dev', user: 'alice' }, state, moderator), ErrorCodes.targetIsOwner);
    expectRefused(decideMute({ type: 'mute', id: 'm1', room: 'dev', user: 'alice', minutes: 1 }, given(row(), row()), owner), ErrorCodes.targetIsOwner);
    expectRefused(decideRole({ type: 'role', id: 'm1', room: 'dev', user: 'alice', role: 'member' }, given(row(), row()), owner), ErrorCodes.targetIsOwner);
  });

  it('given a moderator, when they act on another moderator, then PARLEY_NOT_MODERATOR; the owner may', () => {
    const state = given(row({ role: 'moderator' }), row({ role: 'moderator' }));
    expectRefused(decideRemove({ type: 'remove', id: 'm1', room: 'dev', user: 'mod2' }, state, moderator), ErrorCodes.notModerator);
    expectRefused(decideMute({ type: 'mute', id: 'm1', room: 'dev', user: 'mod2', minutes: 3 }, state, moderator), ErrorCodes.notModerator);
    expect(decideRemove({ type: 'remove', id: 'm1', room: 'dev', user: 'mod2' }, given(row(), row({ role: 'moderator' })), owner).rejected).toBeUndefined();
  });

  it('given a target who is not a member, when removed, muted or given a role, then PARLEY_NOT_MEMBER; a ban is still taken', () => {
    const state = given(row(), undefined);
    expectRefused(decideRemove({ type: 'remove', id: 'm1', room: 'dev', user: 'bob' }, state, owner), ErrorCodes.notMember);
    expectRefused(decideMute({ type: 'mute', id: 'm1', room: 'dev', user: 'bob', minutes: 3 }, state, owner), ErrorCodes.notMember);
    expectRefused(decideRole({ type: 'role', id: 'm1', room: 'dev', user: 'bob', role: 'moderator' }, state, owner), ErrorCodes.notMember);
    expect(decideBan({ type: 'ban', id: 'm1', room: 'dev', user: 'bob' }, state, owner).rejected).toBeUndefined();
  });

  it('given a room older than its row, then it has no owner and nobody moderates it', () => {
    const state: ModerationState = { roomExists: true, actor: row(), target: row(), targetBanned: false, targetVoice: true };
    expectRefused(decideRemove({ type: 'remove', id: 'm1', room: 'dev', user: 'bob' }, state, owner), ErrorCodes.notModerator);
  });
});

describe('moderation actions', () => {
  const announced = (action: string, extra: Record<string, unknown> = {}) => ({ type: 'moderation', room: 'dev', action, user: 'bob', by: 'alice', byName: 'Alice', ...extra });

  it('given the owner, when she makes bob a moderator, then his member row gets the role, the room and bob hear it', () => {
    const decision = decideRole({ type: 'role', id: 'm1', room: 'dev', user: 'bob', role: 'moderator' }, given(row(), row({ mutedUntil: '2030-01-01T00:00:00.000Z' })), owner);
    expect(decision.writes).toEqual([{ kind: 'putMemberRow', hub: 'chat', room: 'dev', user: 'bob', row: row({ role: 'moderator', mutedUntil: '2030-01-01T00:00:00.000Z' }) }]);
    expect(decision.commands).toEqual([
      { action: 'sendToGroup', hub: 'chat', group: 'room:dev', frame: announced('role', { role: 'moderator' }) },
      { action: 'sendToUser', hub: 'chat', userId: 'bob', frame: announced('role', { role: 'moderator' }) },
    ]);
    const back = decideRole({ type: 'role', id: 'm2', room: 'dev', user: 'bob', role: 'member' }, given(row(), row({ role: 'moderator' })), owner);
    expect(back.writes).toEqual([{ kind: 'putMemberRow', hub: 'chat', room: 'dev', user: 'bob', row: row() }]);
  });

  it('given a moderator, when he removes bob, then bob\'s membership and voice go, the room hears it before bob leaves its group', () => {
    const decision = decideRemove({ type: 'remove', id: 'm1', room: 'dev', user: 'bob' }, given(row({ role: 'moderator' }), row()), moderator);
    expect(decision.writes).toEqual([
      { kind: 'removeMember', hub: 'chat', room: 'dev', user: 'bob' },
      { kind: 'removeVoice', hub: 'chat', room: 'dev', user: 'bob' },
    ]);
    const frame = { type: 'moderation', room: 'dev', action: 'removed', user: 'bob', by: 'mod' };
    expect(decision.commands).toEqual([
      { action: 'sendToGroup', hub: 'chat', group: 'room:dev', frame },
      { action: 'removeUserFromGroup', hub: 'chat', group: 'room:dev', userId: 'bob' },
      { action: 'sendToUser', hub: 'chat', userId: 'bob', frame },
    ]);
  });

  it('given a muted member (no voice row), when removed, then no voice row is deleted (a transaction cannot delete a missing row)', () => {
    const decision = decideRemove({ type: 'remove', id: 'm1', room: 'dev', user: 'bob' }, given(row(), row({ mutedUntil: '2030-01-01T00:00:00.000Z' })), owner);
    expect(decision.writes).toEqual([{ kind: 'removeMember', hub: 'chat', room: 'dev', user: 'bob' }]);
  });

  it('given a member, when banned, then the ban row is written and he is removed; a non-member is banned ahead, told only in a public room', () => {
    const ban = { kind: 'putBan', hub: 'chat', room: 'dev', user: 'bob', by: 'alice', at: owner.receivedAt, eventId: owner.eventId };
    const member = decideBan({ type: 'ban', id: 'm1', room: 'dev', user: 'bob' }, given(row(), row()), owner);
    expect(member.writes).toEqual([ban, { kind: 'removeMember', hub: 'chat', room: 'dev', user: 'bob' }, { kind: 'removeVoice', hub: 'chat', room: 'dev', user: 'bob' }]);
    expect(member.commands.map((command) => command.action)).toEqual(['sendToGroup', 'removeUserFromGroup', 'sendToUser']);
    const ahead = decideBan({ type: 'ban', id: 'm1', room: 'dev', user: 'bob' }, given(row(), undefined), owner);
    expect(ahead.writes).toEqual([ban]);
    expect(ahead.commands.map((command) => command.action)).toEqual(['sendToGroup', 'sendToUser']);
    const hidden = decideBan({ type: 'ban', id: 'm1', room: 'dev', user: 'bob' }, given(row(), undefined, { visibility: 'private' }), owner);
    expect(hidden.commands.map((command) => command.action)).toEqual(['sendToGroup']);
  });

  it('given a ban, when lifted, then the ban row goes and "unbanned" is announced; a lift of no ban stores nothing', () => {
    const lifted = decideBan({ type: 'ban', id: 'm1', room: 'dev', user: 'bob', lift: true }, given(row(), undefined, { targetBanned: true }), owner);
    expect(lifted.writes).toEqual([{ kind: 'removeBan', hub: 'chat', room: 'dev', user: 'bob' }]);
    expect(lifted.commands[0]).toMatchObject({ action: 'sendToGroup', frame: announced('unbanned') });
    expect(decideBan({ type: 'ban', id: 'm1', room: 'dev', user: 'bob', lift: true }, given(row(), undefined), owner).writes).toEqual([]);
  });

  it('given a member, when muted for 10 minutes, then his row holds the end and his voice row goes; minutes 0 gives it back', () => {
    const muted = decideMute({ type: 'mute', id: 'm1', room: 'dev', user: 'bob', minutes: 10 }, given(row(), row()), owner);
    const until = new Date(Date.parse(owner.receivedAt) + 600_000).toISOString();
    expect(muted.writes).toEqual([
      { kind: 'putMemberRow', hub: 'chat', room: 'dev', user: 'bob', row: row({ mutedUntil: until }) },
      { kind: 'putMute', hub: 'chat', room: 'dev', user: 'bob', until },
      { kind: 'removeVoice', hub: 'chat', room: 'dev', user: 'bob' },
    ]);
    expect(muted.commands).toEqual([
      { action: 'sendToGroup', hub: 'chat', group: 'room:dev', frame: announced('muted', { until }) },
      { action: 'sendToUser', hub: 'chat', userId: 'bob', frame: announced('muted', { until }) },
    ]);
    const unmuted = decideMute({ type: 'mute', id: 'm2', room: 'dev', user: 'bob', minutes: 0 }, given(row(), row({ mutedUntil: until })), owner);
    expect(unmuted.writes).toEqual([
      { kind: 'putMemberRow', hub: 'chat', room: 'dev', user: 'bob', row: row() },
      { kind: 'putMute', hub: 'chat', room: 'dev', user: 'bob', until: owner.receivedAt },
      { kind: 'putVoice', hub: 'chat', room: 'dev', user: 'bob' },
    ]);
    expect(unmuted.commands[0]).toMatchObject({ frame: announced('unmuted') });
  });

  it('given any accepted action, when decided through decideFrame, then the room row is rewritten with its ETag, and the directory follows a count change', () => {
    const removed = decideFrame({ type: 'remove', id: 'm1', room: 'dev', user: 'bob' }, { type: 'remove', state: given(row(), row()) }, owner);
    expect(removed.writes.slice(-2)).toEqual([
      { kind: 'countRoom', hub: 'chat', room: 'dev', members: 3, etag: 'etag-9' },
      { kind: 'copyToDirectory', hub: 'chat', room: 'dev' },
    ]);
    const muted = decideFrame({ type: 'mute', id: 'm1', room: 'dev', user: 'bob', minutes: 1 }, { type: 'mute', state: given(row(), row()) }, owner);
    expect(muted.writes.at(-1)).toEqual({ kind: 'countRoom', hub: 'chat', room: 'dev', members: 4, etag: 'etag-9' });
    const refused = decideFrame({ type: 'mute', id: 'm1', room: 'dev', user: 'bob', minutes: 1 }, { type: 'mute', state: given(row(), row()) }, plain);
    expect(refused.writes).toEqual([]);
  });
});
