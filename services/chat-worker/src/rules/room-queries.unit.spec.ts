import { describe, expect, it } from 'vitest';
import { ErrorCodes, Limits } from '@parley/contracts';
import { answerDirectory, answerMembers, planDirectory, planMembers, type ListedMember } from './room-queries.js';
import { givenEvent } from './test-context.js';

const ctx = givenEvent({ userId: 'bob', connectionId: 'conn-b' });
const row = { joinedAt: '2025-01-01T00:00:00.000Z', eventId: 'J' };
const answerOf = (decision: { commands: readonly unknown[] }) => (decision.commands[0] as { action: string; connectionId: string; frame: Record<string, unknown> });

describe('members', () => {
  it('given no room, then PARLEY_UNKNOWN_ROOM; a private room asked by a non-member, then PARLEY_ROOM_PRIVATE', () => {
    const unknown = planMembers({ type: 'members', id: 'q1', room: 'dev' }, { roomExists: false }, ctx);
    expect(unknown.ok ? undefined : unknown.decision.rejected).toBe(ErrorCodes.unknownRoom);
    const hidden = planMembers({ type: 'members', id: 'q1', room: 'plans' }, { roomExists: true, visibility: 'private', owner: 'alice' }, ctx);
    expect(hidden.ok ? undefined : hidden.decision.rejected).toBe(ErrorCodes.roomPrivate);
  });

  it('given a public room, then anyone may list it; bans are for the owner and moderators only', () => {
    expect(planMembers({ type: 'members', id: 'q1', room: 'dev' }, { roomExists: true, visibility: 'public', owner: 'alice' }, ctx)).toEqual({ ok: true, seesBans: false });
    expect(planMembers({ type: 'members', id: 'q1', room: 'dev' }, { roomExists: true, owner: 'alice', asker: row }, ctx)).toEqual({ ok: true, seesBans: false });
    expect(planMembers({ type: 'members', id: 'q1', room: 'dev' }, { roomExists: true, owner: 'alice', asker: { ...row, role: 'moderator' } }, ctx)).toEqual({ ok: true, seesBans: true });
    expect(planMembers({ type: 'members', id: 'q1', room: 'dev' }, { roomExists: true, owner: 'bob', asker: row }, ctx)).toEqual({ ok: true, seesBans: true });
  });

  it('given members with roles, presence, names and mutes, then the answer lists owner, moderators, members, each by id, mutes only while on', () => {
    const members: ListedMember[] = [
      { user: 'zed', row, online: false },
      { user: 'carol', row: { ...row, mutedUntil: '2025-01-02T03:00:00.000Z' }, online: true },
      { user: 'dan', row: { ...row, mutedUntil: '2030-01-01T00:00:00.000Z' }, online: false, name: 'Dan D' },
      { user: 'mod', row: { ...row, role: 'moderator' }, online: true },
      { user: 'alice', row, online: true, name: 'Alice' },
    ];
    const decision = answerMembers({ type: 'members', id: 'q1', room: 'dev' }, { roomExists: true, owner: 'alice', asker: row }, members, ['mallory', 'eve'], ctx);
    expect(answerOf(decision)).toEqual({
      action: 'sendToConnection',
      hub: 'chat',
      connectionId: 'conn-b',
      frame: {
        type: 'members',
        id: 'q1',
        room: 'dev',
        members: [
          { user: 'alice', name: 'Alice', role: 'owner', online: true },
          { user: 'mod', role: 'moderator', online: true },
          { user: 'carol', role: 'member', online: true },
          { user: 'dan', name: 'Dan D', role: 'member', online: false, mutedUntil: '2030-01-01T00:00:00.000Z' },
          { user: 'zed', role: 'member', online: false },
        ],
        banned: ['eve', 'mallory'],
      },
    });
    const plain = answerMembers({ type: 'members', id: 'q1', room: 'dev' }, { roomExists: true, owner: 'alice' }, members, undefined, ctx);
    expect(answerOf(plain).frame).not.toHaveProperty('banned');
  });
});

describe('directory', () => {
  it('given no limit, then the default page; a prefix and a cursor pass through', () => {
    expect(planDirectory({ type: 'directory', id: 'd1' }, ctx)).toEqual({ ok: true, query: { prefix: '', limit: Limits.defaultDirectoryLimit } });
    expect(planDirectory({ type: 'directory', id: 'd1', prefix: 'de', after: 'dev', limit: 2 }, ctx)).toEqual({ ok: true, query: { prefix: 'de', after: 'dev', limit: 2 } });
  });

  it('given a prefix with a lone surrogate (no key can hold it), then PARLEY_FRAME_INVALID', () => {
    const plan = planDirectory({ type: 'directory', id: 'd1', prefix: 'a\ud800' }, ctx);
    expect(plan.ok ? undefined : plan.decision.rejected).toBe(ErrorCodes.frameInvalid);
    expect(planDirectory({ type: 'directory', id: 'd1', prefix: '🎉' }, ctx).ok).toBe(true);
  });

  it('given one row more than the limit, then next is the last room shown; at the end, null', () => {
    const rows = [{ room: 'dev', members: 3 }, { room: 'design', members: 1 }, { room: 'devops', members: 2 }];
    const page = answerOf(answerDirectory({ type: 'directory', id: 'd1' }, { prefix: 'de', limit: 2 }, rows, ctx)).frame;
    expect(page).toEqual({ type: 'directory', id: 'd1', rooms: rows.slice(0, 2), next: 'design' });
    const last = answerOf(answerDirectory({ type: 'directory', id: 'd1' }, { prefix: 'de', limit: 3 }, rows, ctx)).frame;
    expect(last.next).toBeNull();
  });
});
