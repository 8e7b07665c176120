import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '@parley/contracts';
import { decideFrame } from './frames.js';
import { decideInvite, decideJoin, decideLeave } from './rooms.js';
import { decideSend } from './send.js';
import { givenEvent } from './test-context.js';

const ctx = givenEvent({ userId: 'bob', connectionId: 'conn-b' });
const counter = { members: 2, visibility: 'public' as const, etag: 'etag-5' };

describe('a room\'s count and the directory', () => {
  it('given a new public room, when the first join creates it, then its row starts at 1 member and the directory copies it', () => {
    const decision = decideFrame({ type: 'join', id: 'j1', room: 'dev' }, { type: 'join', state: { member: false, roomExists: false } }, ctx);
    expect(decision.writes[0]).toMatchObject({ kind: 'putRoom', visibility: 'public', members: 1 });
    expect(decision.writes.at(-1)).toEqual({ kind: 'copyToDirectory', hub: 'chat', room: 'dev' });
  });

  it('given a new private room, when created, then it is counted but never listed', () => {
    const decision = decideFrame({ type: 'join', id: 'j1', room: 'plans', private: true }, { type: 'join', state: { member: false, roomExists: false } }, ctx);
    expect(decision.writes[0]).toMatchObject({ kind: 'putRoom', visibility: 'private', members: 1 });
    expect(decision.writes.some((write) => write.kind === 'copyToDirectory')).toBe(false);
  });

  it('given a room of 2, when bob joins, then the row counts 3 (conditional on the loaded ETag) and the directory copies it', () => {
    const decision = decideFrame({ type: 'join', id: 'j1', room: 'dev' }, { type: 'join', state: { member: false, visibility: 'public', counter } }, ctx);
    expect(decision.writes.slice(-2)).toEqual([
      { kind: 'countRoom', hub: 'chat', room: 'dev', members: 3, etag: 'etag-5' },
      { kind: 'copyToDirectory', hub: 'chat', room: 'dev' },
    ]);
  });

  it('given a member, when he leaves, then the count goes down; when he invites someone, it goes up', () => {
    const left = decideFrame({ type: 'leave', id: 'l1', room: 'dev' }, { type: 'leave', state: { roomExists: true, member: true, voice: true, counter } }, ctx);
    expect(left.writes).toEqual([
      { kind: 'removeMember', hub: 'chat', room: 'dev', user: 'bob' },
      { kind: 'removeVoice', hub: 'chat', room: 'dev', user: 'bob' },
      { kind: 'countRoom', hub: 'chat', room: 'dev', members: 1, etag: 'etag-5' },
      { kind: 'copyToDirectory', hub: 'chat', room: 'dev' },
    ]);
    const invite = { roomExists: true, senderMember: true, inviteeKnown: true, inviteeMember: false, visibility: 'public' as const, counter };
    const invited = decideFrame({ type: 'invite', id: 'i1', room: 'dev', user: 'carol' }, { type: 'invite', state: invite }, ctx);
    expect(invited.writes.slice(-2)).toEqual([
      { kind: 'countRoom', hub: 'chat', room: 'dev', members: 3, etag: 'etag-5' },
      { kind: 'copyToDirectory', hub: 'chat', room: 'dev' },
    ]);
  });

  it('given a frozen state (visibility only), when a redelivery decides again, then no count is written (committed the first time) but the directory copy is made', () => {
    const decision = decideFrame({ type: 'join', id: 'j1', room: 'dev' }, { type: 'join', state: { member: false, visibility: 'public', counter: { visibility: 'public' } } }, ctx);
    expect(decision.writes.map((write) => write.kind)).toEqual(['putMember', 'copyToDirectory']);
  });

  it('given a room older than its row, when someone leaves, then nothing is counted; when someone joins, its new row counts the members', () => {
    const left = decideFrame({ type: 'leave', id: 'l1', room: 'old' }, { type: 'leave', state: { roomExists: true, member: true } }, ctx);
    expect(left.writes).toEqual([{ kind: 'removeMember', hub: 'chat', room: 'old', user: 'bob' }]);
    const joined = decideFrame(
      { type: 'join', id: 'j1', room: 'old' },
      { type: 'join', state: { member: false, roomExists: true, counter: { members: 7, visibility: 'public' } } },
      ctx,
    );
    expect(joined.writes[0]).toMatchObject({ kind: 'putRoom', members: 8 });
  });

  it('given a refusal or a re-join, then nothing is counted', () => {
    expect(decideFrame({ type: 'join', id: 'j1', room: 'dev' }, { type: 'join', state: { member: true, visibility: 'public' } }, ctx).writes).toEqual([]);
    expect(decideFrame({ type: 'leave', id: 'l1', room: 'dev' }, { type: 'leave', state: { roomExists: true, member: false } }, ctx).writes).toEqual([]);
  });
});

describe('bans and mutes in the other rules', () => {
  it('given a banned user, when he joins, then PARLEY_BANNED and nothing is stored', () => {
    const decision = decideJoin({ type: 'join', id: 'j1', room: 'dev' }, { member: false, visibility: 'public', banned: true }, ctx);
    expect(decision.rejected).toBe(ErrorCodes.banned);
    expect(decision.writes).toEqual([]);
    expect(decideJoin({ type: 'join', id: 'j1', room: 'plans' }, { member: false, visibility: 'private', banned: true }, ctx).rejected).toBe(ErrorCodes.banned);
  });

  it('given a user whose mute still runs, when he joins again after leaving, then his membership keeps the mute; an ended one does not', () => {
    const until = '2025-01-02T04:00:00.000Z';
    const muted = decideJoin({ type: 'join', id: 'j1', room: 'dev' }, { member: false, visibility: 'public', mutedUntil: until }, ctx);
    expect(muted.writes).toEqual([{ kind: 'putMember', hub: 'chat', room: 'dev', user: 'bob', joinedAt: ctx.receivedAt, eventId: ctx.eventId, mutedUntil: until }]);
    const ended = decideJoin({ type: 'join', id: 'j1', room: 'dev' }, { member: false, visibility: 'public', mutedUntil: '2025-01-02T03:00:00.000Z' }, ctx);
    expect(ended.writes[0]).not.toHaveProperty('mutedUntil');
    const invite = { roomExists: true, senderMember: true, inviteeKnown: true, inviteeMember: false, inviteeMutedUntil: until };
    expect(decideInvite({ type: 'invite', id: 'i1', room: 'dev', user: 'carol' }, invite, ctx).writes[0]).toMatchObject({ user: 'carol', mutedUntil: until });
  });

  it('given a banned invitee, when a member invites him, then PARLEY_BANNED', () => {
    const state = { roomExists: true, senderMember: true, inviteeKnown: true, inviteeMember: false, inviteeBanned: true as const };
    const decision = decideInvite({ type: 'invite', id: 'i1', room: 'dev', user: 'mallory' }, state, ctx);
    expect(decision.rejected).toBe(ErrorCodes.banned);
    expect(decision.writes).toEqual([]);
    expect(decision.commands).toHaveLength(1);
  });

  it('given a leaver without a voice row (muted), when he leaves, then only his membership goes', () => {
    expect(decideLeave({ type: 'leave', id: 'l1', room: 'dev' }, { roomExists: true, member: true, voice: false }, ctx).writes).toEqual([
      { kind: 'removeMember', hub: 'chat', room: 'dev', user: 'bob' },
    ]);
  });

  it('given a member muted until later, when he sends, then PARLEY_MUTED and nothing is stored or delivered', () => {
    const state = { kind: 'room' as const, roomExists: true, member: true, mutedUntil: '2025-01-02T03:14:05.678Z', voice: false };
    const decision = decideSend({ type: 'send', id: 's1', room: 'dev', text: 'hi' }, state, ctx);
    expect(decision.rejected).toBe(ErrorCodes.muted);
    expect(decision.writes).toEqual([]);
    expect(decision.commands).toEqual([
      { action: 'sendToConnection', hub: 'chat', connectionId: 'conn-b', frame: { type: 'error', id: 's1', error: { code: ErrorCodes.muted, message: expect.stringContaining('2025-01-02T03:14:05.678Z') } } },
    ]);
  });

  it('given a mute that ended (no voice row left), when he sends, then the message is stored and his voice row comes back', () => {
    const state = { kind: 'room' as const, roomExists: true, member: true, mutedUntil: '2025-01-02T03:00:00.000Z', voice: false };
    const decision = decideSend({ type: 'send', id: 's1', room: 'dev', text: 'hi' }, state, ctx);
    expect(decision.rejected).toBeUndefined();
    expect(decision.writes.map((write) => write.kind)).toEqual(['putMessage', 'putVoice']);
    expect(decision.commands[0]).toMatchObject({ action: 'sendToGroup', frame: { type: 'message', text: 'hi' } });
  });

  it('given the assumed state of the hot path (voice not read), when he sends, then only the message is written', () => {
    const decision = decideSend({ type: 'send', id: 's1', room: 'dev', text: 'hi' }, { kind: 'room', roomExists: true, member: true }, ctx);
    expect(decision.writes.map((write) => write.kind)).toEqual(['putMessage']);
  });
});
