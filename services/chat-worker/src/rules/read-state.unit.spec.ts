import { describe, expect, it } from 'vitest';
import { directConversation, ErrorCodes, Limits, lobby, messageRowKey, roomConversation } from '@parley/contracts';
import { decideRead, isNewer, messageTimeOf } from './read-state.js';
import { decideConnected } from './presence.js';
import { givenEvent } from './test-context.js';

const ctx = givenEvent();
const message = '01J00000000000000000000MSG';
const sentAt = '2025-01-02T03:00:00.000Z';
const rowKey = messageRowKey(Date.parse(sentAt), message);
const olderRowKey = messageRowKey(Date.parse(sentAt) - 1_000, '01J00000000000000000000OLD');
const newerRowKey = messageRowKey(Date.parse(sentAt) + 1_000, '01J00000000000000000000NEW');
const room = { exists: true, member: true, members: 3 };
const position = (conversation: ReturnType<typeof lobby>) => ({
  kind: 'putReadPosition',
  hub: 'chat',
  conversation,
  user: 'alice',
  messageId: message,
  messageRowKey: rowKey,
  at: sentAt,
  readAt: ctx.receivedAt,
  eventId: ctx.eventId,
});

describe('read', () => {
  it('reads the message time back from its row key', () => {
    expect(messageTimeOf(rowKey)).toBe(sentAt);
  });

  it('given a member and no position, when they read a room message, then the position is written and the room sees it', () => {
    const decision = decideRead({ type: 'read', id: 'r1', room: 'dev', message }, { room, messageRowKey: rowKey }, ctx);
    expect(decision.writes).toEqual([position(roomConversation('dev'))]);
    expect(decision.commands).toEqual([
      { action: 'sendToGroup', hub: 'chat', group: 'room:dev', frame: { type: 'read', user: 'alice', room: 'dev', message, at: sentAt } },
    ]);
  });

  it('given a room past maxSeenByMembers, then only the reader’s own connections are told', () => {
    const big = { ...room, members: Limits.maxSeenByMembers + 1 };
    const decision = decideRead({ type: 'read', id: 'r1', room: 'dev', message }, { room: big, messageRowKey: rowKey, positionRowKey: olderRowKey }, ctx);
    expect(decision.commands).toEqual([{ action: 'sendToUser', hub: 'chat', userId: 'alice', frame: { type: 'read', user: 'alice', room: 'dev', message, at: sentAt } }]);
    expect(decision.writes).toHaveLength(1);
  });

  it('given a direct chat, then the other user and the reader’s connections are told; in the lobby only the reader’s', () => {
    const direct = decideRead({ type: 'read', id: 'r1', to: 'bob', message }, { messageRowKey: rowKey }, ctx);
    expect(direct.writes).toEqual([position(directConversation('alice', 'bob'))]);
    expect(direct.commands.map((command) => (command.action === 'sendToUser' ? command.userId : command.action))).toEqual(['bob', 'alice']);
    const inLobby = decideRead({ type: 'read', id: 'r1', message }, { messageRowKey: rowKey }, ctx);
    expect(inLobby.writes).toEqual([position(lobby())]);
    expect(inLobby.commands).toEqual([{ action: 'sendToUser', hub: 'chat', userId: 'alice', frame: { type: 'read', user: 'alice', message, at: sentAt } }]);
  });

  it('given a position at or after the message, then it is accepted and changes nothing', () => {
    for (const positionRowKey of [rowKey, newerRowKey]) {
      expect(decideRead({ type: 'read', id: 'r1', room: 'dev', message }, { room, messageRowKey: rowKey, positionRowKey }, ctx)).toEqual({ writes: [], commands: [] });
    }
  });

  it('refuses an unknown room, a non-member, oneself and a message not of the conversation, writing nothing', () => {
    const frame = { type: 'read', id: 'r1', room: 'dev', message } as const;
    expect(decideRead(frame, { room: { exists: false, member: false, members: 0 }, messageRowKey: rowKey }, ctx).rejected).toBe(ErrorCodes.unknownRoom);
    expect(decideRead(frame, { room: { ...room, member: false }, messageRowKey: rowKey }, ctx).rejected).toBe(ErrorCodes.notMember);
    expect(decideRead({ type: 'read', id: 'r1', to: 'alice', message }, { messageRowKey: rowKey }, ctx).rejected).toBe(ErrorCodes.selfMessage);
    const unknown = decideRead(frame, { room }, ctx);
    expect(unknown.rejected).toBe(ErrorCodes.unknownMessage);
    expect(unknown.writes).toEqual([]);
    expect(unknown.commands).toEqual([
      { action: 'sendToConnection', hub: 'chat', connectionId: ctx.connectionId, frame: { type: 'error', id: 'r1', error: { code: ErrorCodes.unknownMessage, message: expect.any(String) } } },
    ]);
  });
});

describe('the order of messages', () => {
  it('a later time is newer; within one millisecond the greater id is', () => {
    expect(isNewer(newerRowKey, rowKey)).toBe(true);
    expect(isNewer(rowKey, newerRowKey)).toBe(false);
    expect(isNewer(messageRowKey(1_000, '01J00000000000000000000002'), messageRowKey(1_000, '01J00000000000000000000001'))).toBe(true);
    expect(isNewer(rowKey, rowKey)).toBe(false);
  });

  it('given two messages of one millisecond, reading the greater id after the smaller moves the position', () => {
    const [earlier, later] = [messageRowKey(1_000, '01J00000000000000000000001'), messageRowKey(1_000, '01J00000000000000000000002')];
    const frame = { type: 'read', id: 'r1', room: 'dev', message: '01J00000000000000000000002' } as const;
    expect(decideRead(frame, { room, messageRowKey: later, positionRowKey: earlier }, ctx).writes).toHaveLength(1);
    expect(decideRead({ ...frame, message: '01J00000000000000000000001' }, { room, messageRowKey: earlier, positionRowKey: later }, ctx).writes).toEqual([]);
  });
});

describe('unread counts in the state frame', () => {
  const connected = { connections: [], rooms: ['dev'], online: ['bob'] };
  const limits = { maxConnectionsPerUser: 32, tombstoneMs: 86_400_000 };
  const stateOf = (decision: ReturnType<typeof decideConnected>) =>
    (decision.commands.find((command) => command.action === 'sendToConnection') as { frame: Record<string, unknown> }).frame;

  it('given unread counts loaded at connect, then the state frame carries them', () => {
    const unread = [{ room: 'dev', count: 3, mentions: 1, lastRead: message }, { count: 100, mentions: 0 }];
    expect(stateOf(decideConnected({ ...connected, unread }, ctx, limits)).unread).toEqual(unread);
  });

  it('given none, then the state frame has no unread field', () => {
    expect('unread' in stateOf(decideConnected({ ...connected, unread: [] }, ctx, limits))).toBe(false);
    expect('unread' in stateOf(decideConnected(connected, ctx, limits))).toBe(false);
  });
});
