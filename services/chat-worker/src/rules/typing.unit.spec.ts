import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '@parley/contracts';
import { decideTyping } from './typing.js';
import { givenEvent } from './test-context.js';

const ctx = givenEvent({ userName: 'Alice' });
const errorOf = (decision: ReturnType<typeof decideTyping>) => ({
  rejected: decision.rejected,
  writes: decision.writes,
  commands: decision.commands.map((command) => command.action),
});

describe('typing', () => {
  it('given a member of the room, when they type, then the room group gets a typing frame and nothing is written', () => {
    const decision = decideTyping({ type: 'typing', id: 't1', room: 'dev' }, { kind: 'room', member: true, throttled: false }, ctx);
    expect(decision).toEqual({
      writes: [],
      commands: [{ action: 'sendToGroup', hub: 'chat', group: 'room:dev', frame: { type: 'typing', user: 'alice', name: 'Alice', room: 'dev' } }],
    });
  });

  it('given a known receiver, when the sender types in the direct chat, then only the receiver gets it, with `to`', () => {
    const decision = decideTyping({ type: 'typing', id: 't1', to: 'bob' }, { kind: 'direct', recipientKnown: true, throttled: false }, givenEvent());
    expect(decision.commands).toEqual([{ action: 'sendToUser', hub: 'chat', userId: 'bob', frame: { type: 'typing', user: 'alice', to: 'bob' } }]);
    expect(decision.writes).toEqual([]);
  });

  it('refuses a non-member, an unknown receiver, oneself and a flood with an error frame only', () => {
    const room = { type: 'typing', id: 't1', room: 'dev' } as const;
    expect(errorOf(decideTyping(room, { kind: 'room', member: false, throttled: false }, ctx))).toEqual({
      rejected: ErrorCodes.notMember,
      writes: [],
      commands: ['sendToConnection'],
    });
    expect(decideTyping({ type: 'typing', id: 't1', to: 'nobody' }, { kind: 'direct', recipientKnown: false, throttled: false }, ctx).rejected).toBe(ErrorCodes.unknownUser);
    expect(decideTyping({ type: 'typing', id: 't1', to: 'alice' }, { kind: 'direct', recipientKnown: false, throttled: false }, ctx).rejected).toBe(ErrorCodes.selfMessage);
    const flood = decideTyping(room, { kind: 'room', member: true, throttled: true }, ctx);
    expect(errorOf(flood)).toEqual({ rejected: ErrorCodes.typingThrottled, writes: [], commands: ['sendToConnection'] });
    expect(flood.commands[0]).toMatchObject({ connectionId: ctx.connectionId, frame: { type: 'error', id: 't1', error: { code: ErrorCodes.typingThrottled } } });
  });

  it('a non-member is told so even when throttled: the throttle is no way to probe', () => {
    expect(decideTyping({ type: 'typing', id: 't1', room: 'dev' }, { kind: 'room', member: false, throttled: true }, ctx).rejected).toBe(ErrorCodes.notMember);
  });
});
