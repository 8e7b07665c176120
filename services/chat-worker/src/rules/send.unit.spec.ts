import { describe, expect, it } from 'vitest';
import { directConversation, ErrorCodes, lobby, roomConversation, roomGroup } from '@parley/contracts';
import { decideSend } from './send.js';
import { givenEvent } from './test-context.js';

const ctx = givenEvent();
const expectedMessage = (extra: Record<string, string>) => ({
  type: 'message',
  id: ctx.eventId,
  clientId: 'c1',
  from: 'alice',
  text: 'hi',
  at: ctx.receivedAt,
  ...extra,
});

describe('send to the lobby', () => {
  it('given any sender, when they send without room or to, then the lobby stores it and everyone gets it', () => {
    const decision = decideSend({ type: 'send', id: 'c1', text: 'hi' }, { kind: 'lobby' }, ctx);

    expect(decision.rejected).toBeUndefined();
    expect(decision.writes).toEqual([{ kind: 'putMessage', hub: 'chat', conversation: lobby(), message: expectedMessage({}) }]);
    expect(decision.commands).toEqual([{ action: 'sendToAll', hub: 'chat', frame: expectedMessage({}) }]);
  });

  it('given the same event twice, when decided, then the decision is identical (server id = event id)', () => {
    const frame = { type: 'send', id: 'c1', text: 'hi' } as const;
    expect(decideSend(frame, { kind: 'lobby' }, ctx)).toEqual(decideSend(frame, { kind: 'lobby' }, ctx));
  });
});

describe('send to a room', () => {
  const frame = { type: 'send', id: 'c1', room: 'dev', text: 'hi' } as const;

  it('given the sender is a member, when they send, then the room stores it and its group gets it', () => {
    const decision = decideSend(frame, { kind: 'room', roomExists: true, member: true }, ctx);

    expect(decision.writes).toEqual([
      { kind: 'putMessage', hub: 'chat', conversation: roomConversation('dev'), message: expectedMessage({ room: 'dev' }) },
    ]);
    expect(decision.commands).toEqual([{ action: 'sendToGroup', hub: 'chat', group: roomGroup('dev'), frame: expectedMessage({ room: 'dev' }) }]);
  });

  it('given the sender is not a member, when they send, then PARLEY_NOT_MEMBER goes back to the connection and nothing is stored', () => {
    const decision = decideSend(frame, { kind: 'room', roomExists: true, member: false }, ctx);

    expect(decision.rejected).toBe(ErrorCodes.notMember);
    expect(decision.writes).toEqual([]);
    expect(decision.commands).toEqual([
      {
        action: 'sendToConnection',
        hub: 'chat',
        connectionId: 'conn-a1',
        frame: { type: 'error', id: 'c1', error: { code: 'PARLEY_NOT_MEMBER', message: 'you are not a member of room "dev"' } },
      },
    ]);
  });

  it('given the room does not exist, when they send, then PARLEY_UNKNOWN_ROOM', () => {
    const decision = decideSend(frame, { kind: 'room', roomExists: false, member: false }, ctx);

    expect(decision.rejected).toBe(ErrorCodes.unknownRoom);
    expect(decision.writes).toEqual([]);
    expect(decision.commands).toHaveLength(1);
    expect(decision.commands[0]).toMatchObject({ action: 'sendToConnection', frame: { type: 'error', id: 'c1', error: { code: 'PARLEY_UNKNOWN_ROOM' } } });
  });
});

describe('private send', () => {
  const frame = { type: 'send', id: 'c1', to: 'bob', text: 'hi' } as const;

  it('given a known recipient, when alice sends to bob, then the direct conversation stores it and both users get it', () => {
    const decision = decideSend(frame, { kind: 'direct', recipientKnown: true }, ctx);
    const message = expectedMessage({ to: 'bob' });

    expect(decision.writes).toEqual([
      { kind: 'putMessage', hub: 'chat', conversation: directConversation('alice', 'bob'), message },
      // The chat is listed for both of them: their devices find it at connect.
      { kind: 'putDirectChat', hub: 'chat', user: 'alice', peer: 'bob' },
      { kind: 'putDirectChat', hub: 'chat', user: 'bob', peer: 'alice' },
    ]);
    expect(decision.commands).toEqual([
      { action: 'sendToUser', hub: 'chat', userId: 'bob', frame: message },
      { action: 'sendToUser', hub: 'chat', userId: 'alice', frame: message },
    ]);
  });

  it('given a recipient who never connected, when alice sends, then PARLEY_UNKNOWN_USER', () => {
    const decision = decideSend(frame, { kind: 'direct', recipientKnown: false }, ctx);

    expect(decision.rejected).toBe(ErrorCodes.unknownUser);
    expect(decision.writes).toEqual([]);
    expect(decision.commands[0]).toMatchObject({ frame: { type: 'error', error: { code: 'PARLEY_UNKNOWN_USER', message: 'user "bob" is not known' } } });
  });

  it('given alice, when she sends to herself, then PARLEY_SELF_MESSAGE even though she is known', () => {
    const decision = decideSend({ ...frame, to: 'alice' }, { kind: 'direct', recipientKnown: true }, ctx);

    expect(decision.rejected).toBe(ErrorCodes.selfMessage);
    expect(decision.writes).toEqual([]);
  });

  it('given bob writes to alice, then the conversation key is the same as alice writing to bob', () => {
    const fromBob = decideSend({ ...frame, to: 'alice' }, { kind: 'direct', recipientKnown: true }, givenEvent({ userId: 'bob' }));
    const fromAlice = decideSend(frame, { kind: 'direct', recipientKnown: true }, ctx);

    expect(fromBob.writes[0]).toMatchObject({ conversation: directConversation('alice', 'bob') });
    expect(fromAlice.writes[0]).toMatchObject({ conversation: directConversation('alice', 'bob') });
  });
});

describe('send with mentions', () => {
  it('given mentions found at load, when a member sends to the room, then the message carries them (stored and delivered)', () => {
    const frame = { type: 'send', id: 'c1', room: 'dev', text: 'hi @bob' } as const;
    const decision = decideSend(frame, { kind: 'room', roomExists: true, member: true, mentions: ['bob'] }, ctx);
    const message = { ...expectedMessage({ room: 'dev' }), text: 'hi @bob', mentions: ['bob'] };
    expect(decision.writes).toEqual([{ kind: 'putMessage', hub: 'chat', conversation: roomConversation('dev'), message }]);
    expect(decision.commands).toEqual([{ action: 'sendToGroup', hub: 'chat', group: roomGroup('dev'), frame: message }]);
  });

  it('given no mentions, then the message has no mentions field', () => {
    const decision = decideSend({ type: 'send', id: 'c1', room: 'dev', text: 'hi' }, { kind: 'room', roomExists: true, member: true, mentions: [] }, ctx);
    expect(decision.commands[0]).toMatchObject({ frame: expectedMessage({ room: 'dev' }) });
    expect('mentions' in (decision.commands[0] as { frame: object }).frame).toBe(false);
  });
});
