import { describe, expect, it } from 'vitest';
import { directConversation, lobby, roomConversation } from '@parley/contracts';
import { assumedState, claimState, frameConversation, reliedMembers } from './frame-claims.js';
import { parseFrozenState } from './load-state.js';
import { givenEvent } from './rules/test-context.js';

const MESSAGE = '01J0000000000000000000000M';

describe('claims of message changes and replies', () => {
  it('aims edit, delete and react at the conversation they name, as send', () => {
    expect(frameConversation({ type: 'edit', id: 'e', room: 'dev', message: MESSAGE, text: 'x' }, 'alice')).toEqual(roomConversation('dev'));
    expect(frameConversation({ type: 'delete', id: 'd', to: 'bob', message: MESSAGE }, 'alice')).toEqual(directConversation('alice', 'bob'));
    expect(frameConversation({ type: 'react', id: 'r', message: MESSAGE, emoji: 'tada' }, 'alice')).toEqual(lobby());
  });

  it('reads before a reply (it needs the answered message) and never assumes a message change', () => {
    expect(assumedState({ type: 'send', id: 's', room: 'dev', text: 'x', replyTo: MESSAGE })).toBeUndefined();
    expect(assumedState({ type: 'send', id: 's', text: 'x', replyTo: MESSAGE })).toBeUndefined();
    expect(assumedState({ type: 'send', id: 's', room: 'dev', text: 'x' })).toBeDefined();
    expect(assumedState({ type: 'react', id: 'r', room: 'dev', message: MESSAGE, emoji: 'tada' })).toBeUndefined();
  });

  it("relies on the sender's membership only in a room they are a member of", () => {
    const access = { kind: 'room', roomExists: true, member: true } as const;
    expect(reliedMembers({ type: 'react', state: { access } }, 'alice')).toEqual(['alice']);
    expect(reliedMembers({ type: 'edit', state: { access: { ...access, member: false } } }, 'alice')).toEqual([]);
    expect(reliedMembers({ type: 'delete', state: { access: { kind: 'lobby' } } }, 'alice')).toEqual([]);
  });

  it("freezes a message change's state without the row's ETag, and reads it back for the same frame type only", () => {
    const target = { rowKey: 'k', etag: 'W/"datetime\'2025\'"', id: MESSAGE, clientId: 'c', from: 'bob', at: '2025-01-01T00:00:00.000Z', reactions: [] };
    const frozen = claimState({ type: 'react', state: { access: { kind: 'lobby' }, target } }, givenEvent({ userName: 'Alice' }));
    expect(frozen).not.toContain('etag');
    const { etag: _etag, ...rest } = target;
    expect(parseFrozenState(frozen, 'react')).toEqual({ type: 'react', state: { access: { kind: 'lobby' }, target: rest }, userName: 'Alice' });
    expect(parseFrozenState(frozen, 'edit')).toBeUndefined();
  });
});
