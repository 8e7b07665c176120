import { describe, expect, it } from 'vitest';
import { directConversation, lobby, roomConversation } from '@parley/contracts';
import { assumedState, frameConversation, reliedMembers } from './frame-claims.js';

const message = '01J00000000000000000000MSG';

describe('claims of read frames and of messages with @', () => {
  it('a read is claimed in the conversation it names: a room, the direct pair, or the lobby', () => {
    expect(frameConversation({ type: 'read', id: 'r1', room: 'dev', message }, 'alice')).toEqual(roomConversation('dev'));
    expect(frameConversation({ type: 'read', id: 'r1', to: 'bob', message }, 'alice')).toEqual(directConversation('alice', 'bob'));
    expect(frameConversation({ type: 'read', id: 'r1', message }, 'alice')).toEqual(lobby());
  });

  it('a read in a room relies on the reader being a member (the commit checks it); elsewhere on nobody', () => {
    const inRoom = { type: 'read', state: { room: { exists: true, member: true, members: 2 }, messageRowKey: 'k' } } as const;
    expect(reliedMembers(inRoom, 'alice')).toEqual(['alice']);
    expect(reliedMembers({ type: 'read', state: { room: { exists: true, member: false, members: 2 } } }, 'alice')).toEqual([]);
    expect(reliedMembers({ type: 'read', state: { messageRowKey: 'k' } }, 'alice')).toEqual([]);
  });

  it('a room message with @ reads its state first (for mentions); one without keeps the assumed member state', () => {
    expect(assumedState({ type: 'send', id: 'c1', room: 'dev', text: 'hi @bob' })).toBeUndefined();
    expect(assumedState({ type: 'send', id: 'c1', room: 'dev', text: 'hi bob' })).toEqual({ type: 'send', state: { kind: 'room', roomExists: true, member: true } });
    expect(assumedState({ type: 'send', id: 'c1', text: 'mail me @ home' })).toEqual({ type: 'send', state: { kind: 'lobby' } });
    expect(assumedState({ type: 'read', id: 'r1', room: 'dev', message })).toBeUndefined();
  });
});
