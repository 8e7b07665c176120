import { describe, expect, it } from 'vitest';
import { directConversation, lobby, roomConversation } from '@parley/contracts';
import { assumedState, claimState, frameConversation, reliedMembers, reliedVoices } from './frame-claims.js';
import { KnownUsers } from './known-users.js';

describe('frame claims', () => {
  it('given each changing frame, then its claim lives with the conversation it is aimed at', () => {
    expect(frameConversation({ type: 'send', id: 'a', text: 'hi' }, 'alice')).toEqual(lobby());
    expect(frameConversation({ type: 'send', id: 'a', room: 'dev', text: 'hi' }, 'alice')).toEqual(roomConversation('dev'));
    expect(frameConversation({ type: 'send', id: 'a', to: 'bob', text: 'hi' }, 'alice')).toEqual(directConversation('alice', 'bob'));
    expect(frameConversation({ type: 'join', id: 'a', room: 'dev' }, 'alice')).toEqual(roomConversation('dev'));
    expect(frameConversation({ type: 'leave', id: 'a', room: 'dev' }, 'alice')).toEqual(roomConversation('dev'));
    expect(frameConversation({ type: 'invite', id: 'a', room: 'dev', user: 'bob' }, 'alice')).toEqual(roomConversation('dev'));
  });

  it('given a state that takes the sender for a member, then the commit checks the sender; otherwise nobody', () => {
    // A room send checks the sender's voice row (a mute takes it away), or the member row when it read that there is no voice row.
    expect(reliedMembers({ type: 'send', state: { kind: 'room', roomExists: true, member: true } }, 'alice')).toEqual([]);
    expect(reliedVoices({ type: 'send', state: { kind: 'room', roomExists: true, member: true } }, 'alice')).toEqual(['alice']);
    expect(reliedMembers({ type: 'send', state: { kind: 'room', roomExists: true, member: true, voice: false } }, 'alice')).toEqual(['alice']);
    expect(reliedVoices({ type: 'send', state: { kind: 'room', roomExists: true, member: true, voice: false } }, 'alice')).toEqual([]);
    expect(reliedVoices({ type: 'send', state: { kind: 'room', roomExists: true, member: false } }, 'alice')).toEqual([]);
    expect(reliedVoices({ type: 'send', state: { kind: 'lobby' } }, 'alice')).toEqual([]);
    expect(reliedMembers({ type: 'send', state: { kind: 'room', roomExists: true, member: false } }, 'alice')).toEqual([]);
    expect(reliedMembers({ type: 'send', state: { kind: 'lobby' } }, 'alice')).toEqual([]);
    expect(reliedMembers({ type: 'leave', state: { roomExists: true, member: true } }, 'alice')).toEqual(['alice']);
    expect(reliedMembers({ type: 'join', state: { member: false } }, 'alice')).toEqual([]);
    const invite = { roomExists: true, senderMember: true, inviteeKnown: true, inviteeMember: false };
    expect(reliedMembers({ type: 'invite', state: invite }, 'alice')).toEqual(['alice']);
  });

  it('given a lobby or room send, then no read is needed first (room: member, checked by the commit); others read', () => {
    expect(assumedState({ type: 'send', id: 'a', text: 'hi' })).toEqual({ type: 'send', state: { kind: 'lobby' } });
    expect(assumedState({ type: 'send', id: 'a', room: 'dev', text: 'hi' })).toEqual({ type: 'send', state: { kind: 'room', roomExists: true, member: true } });
    expect(assumedState({ type: 'send', id: 'a', to: 'bob', text: 'hi' })).toBeUndefined();
    expect(assumedState({ type: 'join', id: 'a', room: 'dev' })).toBeUndefined();
  });

  it('given a moderation state, then it relies on the room row\'s ETag, not on member rows', () => {
    const state = { roomExists: true, owner: 'alice', actor: { joinedAt: 't', eventId: 'e' }, targetBanned: false, targetVoice: false };
    for (const type of ['role', 'remove', 'ban', 'mute'] as const) {
      expect(reliedMembers({ type, state }, 'alice')).toEqual([]);
      expect(reliedVoices({ type, state }, 'alice')).toEqual([]);
    }
  });

  it('given a state with a room count and ETag, then the frozen claim keeps only the room\'s visibility', () => {
    const counter = { members: 3, visibility: 'public' as const, etag: 'W/"datetime\'2025\'"' };
    const frozen = claimState({ type: 'join', state: { member: false, visibility: 'public', counter } }, { hub: 'chat', eventId: 'E', userId: 'a', connectionId: 'c', receivedAt: 't' });
    expect(JSON.parse(frozen)).toEqual({ type: 'join', state: { member: false, visibility: 'public', counter: { visibility: 'public' } } });
  });

  it('given known users beyond the capacity, then the cache starts over instead of growing', () => {
    const known = new KnownUsers(2);
    known.add('chat', 'a');
    known.add('chat', 'b');
    expect(known.has('chat', 'a') && known.has('chat', 'b')).toBe(true);
    expect(known.has('other', 'a')).toBe(false);
    known.add('chat', 'c');
    expect([known.has('chat', 'a'), known.has('chat', 'c')]).toEqual([false, true]);
  });
});
