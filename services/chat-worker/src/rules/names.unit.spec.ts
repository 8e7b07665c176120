import { describe, expect, it } from 'vitest';
import { decideConnected, decideDisconnected } from './presence.js';
import { decideProfile } from './profile.js';
import { decideInvite, decideJoin, decideLeave } from './rooms.js';
import { decideSend } from './send.js';
import { givenEvent } from './test-context.js';
import { claimedContext, claimState } from '../frame-claims.js';

const limits = { maxConnectionsPerUser: 3, tombstoneMs: 3_600_000 };
const named = givenEvent({ userId: 'a1b2-oid', connectionId: 'conn-a', userName: 'Alice Liddell' });
const frames = (decision: { commands: readonly unknown[] }) => decision.commands.map((c) => (c as { frame?: unknown }).frame).filter(Boolean);

describe('display names beside ids', () => {
  it('given a sender with a name, when they send, then the stored and delivered message carry it as fromName', () => {
    const decision = decideSend({ type: 'send', id: 'c1', text: 'hi' }, { kind: 'lobby' }, named);
    expect(decision.writes).toEqual([expect.objectContaining({ message: expect.objectContaining({ from: 'a1b2-oid', fromName: 'Alice Liddell' }) })]);
    expect(frames(decision)).toEqual([expect.objectContaining({ from: 'a1b2-oid', fromName: 'Alice Liddell' })]);
  });

  it('given a sender without a name, when they send, then the message has no fromName at all', () => {
    const decision = decideSend({ type: 'send', id: 'c1', text: 'hi' }, { kind: 'lobby' }, givenEvent());
    expect(frames(decision)[0]).not.toHaveProperty('fromName');
  });

  it('given a named user, when they connect and go, then presence names them and the state lists the online names, theirs the newest', () => {
    const state = { connections: [], rooms: [], online: ['bob', 'a1b2-oid'], names: { bob: 'Bob Marley', 'a1b2-oid': 'Old Name' } };
    const connected = decideConnected(state, named, limits);
    expect(frames(connected)).toEqual([
      { type: 'state', rooms: [], online: ['a1b2-oid', 'bob'], names: { bob: 'Bob Marley', 'a1b2-oid': 'Alice Liddell' } },
      { type: 'presence', user: 'a1b2-oid', online: true, name: 'Alice Liddell' },
    ]);
    expect(frames(decideDisconnected({ connections: [] }, named, limits))).toEqual([{ type: 'presence', user: 'a1b2-oid', online: false, name: 'Alice Liddell' }]);
  });

  it('given nobody online has a name, when a user without one connects, then the state has no names', () => {
    const connected = decideConnected({ connections: [], rooms: [], online: ['bob'] }, givenEvent(), limits);
    expect(frames(connected)[0]).not.toHaveProperty('names');
  });

  it('names the actor of room frames: userName on joined and left, byName on invited', () => {
    expect(frames(decideJoin({ type: 'join', id: 'j', room: 'dev' }, { member: false, roomExists: true }, named))).toContainEqual({
      type: 'room', room: 'dev', user: 'a1b2-oid', userName: 'Alice Liddell', event: 'joined',
    });
    expect(frames(decideLeave({ type: 'leave', id: 'l', room: 'dev' }, { roomExists: true, member: true }, named))[0]).toMatchObject({ event: 'left', userName: 'Alice Liddell' });
    const invited = frames(decideInvite({ type: 'invite', id: 'i', room: 'dev', user: 'carol' }, { roomExists: true, senderMember: true, inviteeKnown: true, inviteeMember: false }, named));
    expect(invited).toEqual([{ type: 'room', room: 'dev', user: 'carol', event: 'invited', by: 'a1b2-oid', byName: 'Alice Liddell' }]);
  });

  it('stores a profile on the user\'s presence row and sends nothing while they are offline or the name is the same', () => {
    const quiet = { writes: [{ kind: 'putProfile', hub: 'chat', user: 'a1b2-oid', name: 'Alice Liddell' }], commands: [] };
    expect(decideProfile('Alice Liddell', { online: false }, givenEvent({ userId: 'a1b2-oid' }))).toEqual(quiet);
    expect(decideProfile('Alice Liddell', { name: 'Alice', online: false }, givenEvent({ userId: 'a1b2-oid' }))).toEqual(quiet);
    expect(decideProfile('Alice Liddell', { name: 'Alice Liddell', online: true }, givenEvent({ userId: 'a1b2-oid' }))).toEqual(quiet);
  });

  it('announces a new name of a user online on another device to everyone, as their presence', () => {
    expect(decideProfile('Alice Liddell', { name: 'Alice', online: true }, givenEvent({ userId: 'a1b2-oid' })).commands).toEqual([
      { action: 'sendToAll', hub: 'chat', frame: { type: 'presence', user: 'a1b2-oid', online: true, name: 'Alice Liddell' } },
    ]);
    // A first name counts as new too.
    expect(decideProfile('Alice Liddell', { online: true }, givenEvent({ userId: 'a1b2-oid' })).commands).toHaveLength(1);
  });

  it('freezes the name with the claim: a redelivery decides with it, whatever the name is now', () => {
    const frozen = claimState({ type: 'send', state: { kind: 'lobby' } }, named);
    const now = { ...named, userName: 'Renamed Since' };
    expect(claimedContext(now, frozen).userName).toBe('Alice Liddell');
    // Decided without a name: the redelivery has none either.
    expect(claimedContext(now, claimState({ type: 'send', state: { kind: 'lobby' } }, givenEvent()))).not.toHaveProperty('userName');
    // A claim from before names (no frozen state) keeps the name known now.
    expect(claimedContext(now, undefined).userName).toBe('Renamed Since');
  });
});
