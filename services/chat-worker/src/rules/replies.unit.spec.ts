import { describe, expect, it } from 'vitest';
import { ErrorCodes, Limits, roomConversation } from '@parley/contracts';
import { quoteOf } from './replies.js';
import { decideSend } from './send.js';
import { givenEvent } from './test-context.js';

const ctx = givenEvent();
const ANSWERED = '01J0000000000000000000000Q';
const frame = { type: 'send', id: 'c1', room: 'dev', text: 'yes', replyTo: ANSWERED } as const;
const room = { kind: 'room', roomExists: true, member: true } as const;
const quote = { id: ANSWERED, from: 'bob', fromName: 'Bob B.', text: 'shall we?' };

describe('replies', () => {
  it('given a message of the same conversation, when a member replies, then the stored message and its frame carry the quote', () => {
    const decision = decideSend(frame, { ...room, reply: { found: true, deleted: false, quote } }, ctx);
    expect(decision.rejected).toBeUndefined();
    expect(decision.writes).toEqual([
      { kind: 'putMessage', hub: 'chat', conversation: roomConversation('dev'), message: expect.objectContaining({ text: 'yes', replyTo: quote }) },
    ]);
    expect(decision.commands).toEqual([expect.objectContaining({ action: 'sendToGroup', frame: expect.objectContaining({ replyTo: quote }) })]);
  });

  it('given the id is not a message of this conversation, when replying, then PARLEY_REPLY_OTHER_CONVERSATION and nothing is stored', () => {
    const decision = decideSend(frame, { ...room, reply: { found: false } }, ctx);
    expect(decision).toMatchObject({ rejected: ErrorCodes.replyOtherConversation, writes: [] });
    expect(decision.commands).toEqual([expect.objectContaining({ action: 'sendToConnection', frame: expect.objectContaining({ type: 'error', id: 'c1' }) })]);
  });

  it('given a state loaded without the target, when replying, then it reads as not found', () => {
    expect(decideSend(frame, room, ctx).rejected).toBe(ErrorCodes.replyOtherConversation);
  });

  it('given a deleted message, when replying to it, then PARLEY_MESSAGE_DELETED', () => {
    expect(decideSend(frame, { ...room, reply: { found: true, deleted: true, quote: { ...quote, text: '' } } }, ctx)).toMatchObject({
      rejected: ErrorCodes.messageDeleted,
      writes: [],
    });
  });

  it('given a non-member, when replying, then the room refusal comes first (nothing about the message is told)', () => {
    const decision = decideSend(frame, { kind: 'room', roomExists: true, member: false, reply: { found: false } }, ctx);
    expect(decision.rejected).toBe(ErrorCodes.notMember);
  });

  it('given a direct chat or the lobby, when replying, then the reply is stored there with the quote', () => {
    const direct = decideSend({ type: 'send', id: 'c2', to: 'bob', text: 'yes', replyTo: ANSWERED }, { kind: 'direct', recipientKnown: true, reply: { found: true, deleted: false, quote } }, ctx);
    expect(direct.commands.every((command) => 'frame' in command && (command.frame as { replyTo?: unknown }).replyTo !== undefined)).toBe(true);
    const lobby = decideSend({ type: 'send', id: 'c3', text: 'yes', replyTo: ANSWERED }, { kind: 'lobby', reply: { found: true, deleted: false, quote } }, ctx);
    expect(lobby.writes).toEqual([expect.objectContaining({ message: expect.objectContaining({ replyTo: quote }) })]);
  });

  it('given a long text with characters outside the BMP, when quoted, then it keeps the first maxQuoteChars code points whole', () => {
    const text = '😀'.repeat(Limits.maxQuoteChars + 10);
    const quoted = quoteOf({ id: ANSWERED, from: 'bob', text });
    expect(Array.from(quoted.text)).toHaveLength(Limits.maxQuoteChars);
    expect(quoted.text).toBe('😀'.repeat(Limits.maxQuoteChars));
    expect(quoted).not.toHaveProperty('fromName');
    expect(quoteOf({ id: ANSWERED, from: 'bob', fromName: 'Bob B.', text: 'short' })).toEqual({ id: ANSWERED, from: 'bob', fromName: 'Bob B.', text: 'short' });
  });
});
