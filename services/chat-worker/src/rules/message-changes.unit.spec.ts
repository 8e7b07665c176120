import { describe, expect, it } from 'vitest';
import { directConversation, ErrorCodes, lobby, roomConversation, roomGroup } from '@parley/contracts';
import { decideDelete, decideEdit, decideReact } from './message-changes.js';
import type { ConversationAccess, MessageChangeState, TargetMessage } from './message-target.js';
import { givenEvent } from './test-context.js';

const ctx = givenEvent({ userName: 'Alice A.' });
const MESSAGE = '01J0000000000000000000000M';
const member: ConversationAccess = { kind: 'room', roomExists: true, member: true };
const target = (extra: Partial<TargetMessage> = {}): TargetMessage => ({
  rowKey: '8264000000000_' + MESSAGE,
  etag: 'W/"etag-1"',
  id: MESSAGE,
  clientId: 'c0',
  from: 'alice',
  fromName: 'Alice A.',
  room: 'dev',
  at: '2025-01-02T03:00:00.000Z',
  ...extra,
});
const inRoom = (extra: Partial<TargetMessage> = {}, access: ConversationAccess = member): MessageChangeState => ({ access, target: target(extra) });
const refusedWith = (decision: { rejected?: string; writes: readonly unknown[]; commands: readonly unknown[] }, code: string) => {
  expect(decision.rejected).toBe(code);
  expect(decision.writes).toEqual([]);
  // Only the error frame, to the sending connection.
  expect(decision.commands).toEqual([{ action: 'sendToConnection', hub: 'chat', connectionId: ctx.connectionId, frame: expect.objectContaining({ type: 'error', error: expect.objectContaining({ code }) }) }]);
};

const edit = { type: 'edit', id: 'e1', room: 'dev', message: MESSAGE, text: 'fixed' } as const;
const del = { type: 'delete', id: 'd1', room: 'dev', message: MESSAGE } as const;
const react = { type: 'react', id: 'r1', room: 'dev', message: MESSAGE, emoji: 'tada' } as const;

describe('edit', () => {
  it('given her own message, when the author edits it, then the row gets the text and editedAt if unchanged since read, and the room hears an update', () => {
    const decision = decideEdit(edit, inRoom({ text: 'fixd' }), ctx);
    expect(decision.rejected).toBeUndefined();
    expect(decision.writes).toEqual([
      {
        kind: 'changeMessage',
        hub: 'chat',
        conversation: roomConversation('dev'),
        rowKey: target().rowKey,
        etag: 'W/"etag-1"',
        // In a room the new text's mentions replace the old ones: none here.
        change: { kind: 'edit', text: 'fixed', editedAt: ctx.receivedAt, mentions: [] },
      },
    ]);
    const update = { type: 'update', id: MESSAGE, from: 'alice', room: 'dev', text: 'fixed', editedAt: ctx.receivedAt, mentions: [], by: 'alice', byName: 'Alice A.' };
    expect(decision.commands).toEqual([{ action: 'sendToGroup', hub: 'chat', group: roomGroup('dev'), frame: update }]);
  });

  it('given the new text mentions members (found at load), when edited, then the row and the update carry them', () => {
    const decision = decideEdit({ ...edit, text: 'fixed, @bob' }, { ...inRoom({ text: 'fixd' }), mentions: ['bob'] }, ctx);
    expect(decision.writes).toEqual([expect.objectContaining({ change: { kind: 'edit', text: 'fixed, @bob', editedAt: ctx.receivedAt, mentions: ['bob'] } })]);
    expect(decision.commands).toEqual([{ action: 'sendToGroup', hub: 'chat', group: roomGroup('dev'), frame: expect.objectContaining({ text: 'fixed, @bob', mentions: ['bob'] }) }]);
  });

  it('given the same text, when edited, then nothing is stored or sent', () => {
    expect(decideEdit(edit, inRoom({ text: 'fixed' }), ctx)).toEqual({ writes: [], commands: [] });
  });

  it("given someone else's message, when edited, then PARLEY_NOT_AUTHOR", () => {
    refusedWith(decideEdit(edit, inRoom({ from: 'bob', text: 'x' }), ctx), ErrorCodes.notAuthor);
  });

  it("given a room's owner or moderator, when they edit someone else's message, then PARLEY_NOT_AUTHOR still", () => {
    refusedWith(decideEdit(edit, inRoom({ from: 'bob', text: 'x' }, { ...member, moderates: true }), ctx), ErrorCodes.notAuthor);
  });

  it('given a deleted message, when its author edits it, then PARLEY_MESSAGE_DELETED', () => {
    refusedWith(decideEdit(edit, inRoom({ deleted: true, text: '' }), ctx), ErrorCodes.messageDeleted);
  });

  it('given no such message in the conversation, when edited, then PARLEY_UNKNOWN_MESSAGE', () => {
    refusedWith(decideEdit(edit, { access: member }, ctx), ErrorCodes.unknownMessage);
  });

  it('given a sender who is not a member (or no room), when editing, then the codes of send', () => {
    refusedWith(decideEdit(edit, { access: { kind: 'room', roomExists: true, member: false } }, ctx), ErrorCodes.notMember);
    refusedWith(decideEdit(edit, { access: { kind: 'room', roomExists: false, member: false } }, ctx), ErrorCodes.unknownRoom);
  });

  it('given a direct chat, when the author edits, then both users hear the update', () => {
    const frame = { type: 'edit', id: 'e2', to: 'bob', message: MESSAGE, text: 'fixed' } as const;
    const decision = decideEdit(frame, { access: { kind: 'direct' }, target: target({ room: undefined, to: 'bob', text: 'old' }) }, ctx);
    expect(decision.writes).toEqual([expect.objectContaining({ conversation: directConversation('alice', 'bob') })]);
    expect(decision.commands.map((command) => (command.action === 'sendToUser' ? command.userId : command.action))).toEqual(['bob', 'alice']);
    expect(decision.commands[0]!.action === 'sendToUser' && decision.commands[0]!.frame).toMatchObject({ type: 'update', to: 'bob', text: 'fixed' });
  });
});

describe('delete', () => {
  const kept = { type: 'message', id: MESSAGE, clientId: 'c0', from: 'alice', fromName: 'Alice A.', room: 'dev', text: '', at: target().at, deleted: true };

  it('given her own message, when the author deletes it, then the row keeps only sender and time, and the room hears "deleted"', () => {
    const decision = decideDelete(del, inRoom(), ctx);
    expect(decision.writes).toEqual([
      { kind: 'changeMessage', hub: 'chat', conversation: roomConversation('dev'), rowKey: target().rowKey, etag: 'W/"etag-1"', change: { kind: 'delete', message: kept } },
    ]);
    expect(decision.commands).toEqual([
      { action: 'sendToGroup', hub: 'chat', group: roomGroup('dev'), frame: { type: 'update', id: MESSAGE, from: 'alice', room: 'dev', text: '', deleted: true, by: 'alice', byName: 'Alice A.' } },
    ]);
  });

  it("given the room's owner or a moderator, when they delete someone else's message, then it is deleted, by them", () => {
    const decision = decideDelete(del, inRoom({ from: 'bob', fromName: undefined }, { ...member, moderates: true }), ctx);
    expect(decision.rejected).toBeUndefined();
    expect(decision.writes).toEqual([expect.objectContaining({ change: { kind: 'delete', message: { ...kept, from: 'bob', fromName: undefined } } })]);
    expect(decision.commands[0]).toMatchObject({ frame: { type: 'update', from: 'bob', deleted: true, by: 'alice' } });
  });

  it("given a plain member, when they delete someone else's message, then PARLEY_NOT_AUTHOR", () => {
    refusedWith(decideDelete(del, inRoom({ from: 'bob' }), ctx), ErrorCodes.notAuthor);
  });

  it("given the lobby or a direct chat, when someone deletes another's message, then PARLEY_NOT_AUTHOR (nobody moderates them)", () => {
    const lobbyDelete = { type: 'delete', id: 'd2', message: MESSAGE } as const;
    refusedWith(decideDelete(lobbyDelete, { access: { kind: 'lobby' }, target: target({ from: 'bob', room: undefined }) }, ctx), ErrorCodes.notAuthor);
    const direct = { type: 'delete', id: 'd3', to: 'bob', message: MESSAGE } as const;
    refusedWith(decideDelete(direct, { access: { kind: 'direct' }, target: target({ from: 'bob', room: undefined, to: 'alice' }) }, ctx), ErrorCodes.notAuthor);
  });

  it('given a message deleted already, when its author deletes it again, then nothing is stored or sent', () => {
    expect(decideDelete(del, inRoom({ deleted: true }), ctx)).toEqual({ writes: [], commands: [] });
  });

  it('given no such message, or a non-member, when deleting, then PARLEY_UNKNOWN_MESSAGE / PARLEY_NOT_MEMBER', () => {
    refusedWith(decideDelete(del, { access: member }, ctx), ErrorCodes.unknownMessage);
    refusedWith(decideDelete(del, { access: { kind: 'room', roomExists: true, member: false } }, ctx), ErrorCodes.notMember);
  });

  it('given a lobby message of her own, when deleted, then everyone hears it', () => {
    const decision = decideDelete({ type: 'delete', id: 'd4', message: MESSAGE }, { access: { kind: 'lobby' }, target: target({ room: undefined }) }, ctx);
    expect(decision.writes).toEqual([expect.objectContaining({ conversation: lobby() })]);
    expect(decision.commands).toEqual([{ action: 'sendToAll', hub: 'chat', frame: expect.objectContaining({ type: 'update', deleted: true }) }]);
  });
});

describe('react', () => {
  it("given someone else's message, when a member reacts, then the whole list is stored if unchanged since read and the room hears it", () => {
    const decision = decideReact(react, inRoom({ from: 'bob', reactions: [{ emoji: 'eyes', count: 1, users: ['bob'] }] }), ctx);
    const reactions = [{ emoji: 'eyes', count: 1, users: ['bob'] }, { emoji: 'tada', count: 1, users: ['alice'] }];
    expect(decision.writes).toEqual([
      { kind: 'changeMessage', hub: 'chat', conversation: roomConversation('dev'), rowKey: target().rowKey, etag: 'W/"etag-1"', change: { kind: 'react', reactions } },
    ]);
    expect(decision.commands).toEqual([
      { action: 'sendToGroup', hub: 'chat', group: roomGroup('dev'), frame: { type: 'update', id: MESSAGE, from: 'bob', room: 'dev', reactions, by: 'alice', byName: 'Alice A.' } },
    ]);
  });

  it('given her reaction, when she removes it, then the update carries the list without it (empty when it was the last)', () => {
    const decision = decideReact({ ...react, remove: true }, inRoom({ reactions: [{ emoji: 'tada', count: 1, users: ['alice'] }] }), ctx);
    expect(decision.writes).toEqual([expect.objectContaining({ change: { kind: 'react', reactions: [] } })]);
    expect(decision.commands[0]).toMatchObject({ frame: { type: 'update', reactions: [] } });
  });

  it('given the same reaction again, or removing one not given, then nothing is stored or sent', () => {
    expect(decideReact(react, inRoom({ reactions: [{ emoji: 'tada', count: 1, users: ['alice'] }] }), ctx)).toEqual({ writes: [], commands: [] });
    expect(decideReact({ ...react, remove: true }, inRoom({ reactions: [] }), ctx)).toEqual({ writes: [], commands: [] });
  });

  it('given a message with the most distinct emoji, when a new one is added, then PARLEY_TOO_MANY_REACTIONS', () => {
    const reactions = Array.from({ length: 20 }, (_, i) => ({ emoji: `e${i}`, count: 1, users: ['bob'] }));
    refusedWith(decideReact(react, inRoom({ reactions }), ctx), ErrorCodes.tooManyReactions);
  });

  it('given a deleted message, when reacted to, then PARLEY_MESSAGE_DELETED', () => {
    refusedWith(decideReact(react, inRoom({ deleted: true, reactions: [] }), ctx), ErrorCodes.messageDeleted);
  });

  it('given an emoji name that is not one of EMOJI (past the gateway), then PARLEY_UNKNOWN_EMOJI', () => {
    refusedWith(decideReact({ ...react, emoji: 'poop' }, inRoom({ reactions: [] }), ctx), ErrorCodes.unknownEmoji);
  });

  it('given a sender who is not in the room, when reacting, then PARLEY_NOT_MEMBER and nothing is stored', () => {
    refusedWith(decideReact(react, { access: { kind: 'room', roomExists: true, member: false } }, ctx), ErrorCodes.notMember);
  });

  it('given a message of another conversation (not found in this one), when reacted to, then PARLEY_UNKNOWN_MESSAGE', () => {
    refusedWith(decideReact(react, { access: member }, ctx), ErrorCodes.unknownMessage);
  });

  it('given the same state twice, when decided, then the decisions are identical', () => {
    const state = inRoom({ reactions: [] });
    expect(decideReact(react, state, ctx)).toEqual(decideReact(react, state, ctx));
  });
});

describe('a muted member', () => {
  const muted: ConversationAccess = { ...member, mutedUntil: '2025-01-02T04:00:00.000Z' };
  const mutedBefore: ConversationAccess = { ...member, mutedUntil: '2000-01-01T00:00:00.000Z' };

  it('given a mute that has not ended, when they edit or react, then PARLEY_MUTED', () => {
    expect(Date.parse(ctx.receivedAt)).toBeLessThan(Date.parse('2025-01-02T04:00:00.000Z'));
    refusedWith(decideEdit(edit, inRoom({ text: 'fixd' }, muted), ctx), ErrorCodes.muted);
    refusedWith(decideReact(react, inRoom({ reactions: [] }, muted), ctx), ErrorCodes.muted);
  });

  it('given a mute, when they delete their own message, then it is deleted', () => {
    expect(decideDelete(del, inRoom({}, muted), ctx).rejected).toBeUndefined();
  });

  it('given a mute that ended, when they edit, then the edit is stored', () => {
    expect(decideEdit(edit, inRoom({ text: 'fixd' }, mutedBefore), ctx).writes).toHaveLength(1);
  });
});
