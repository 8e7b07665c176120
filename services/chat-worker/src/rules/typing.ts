import { ErrorCodes, Limits, roomGroup, type NotifierCommand, type TypingFrame, type TypingNoticeFrame } from '@parley/contracts';
import { reject, toConnection } from './reject.js';
import type { Decision, EventContext } from './types.js';

/**
 * What the typing rule needs, read from a short-lived cache (never frozen anywhere: a typing
 * frame has no claim). `throttled`: the user typed in this conversation less than
 * Limits.typingIntervalMs ago (through any connection and gateway).
 */
export type TypingState =
  | { readonly kind: 'room'; readonly member: boolean; readonly throttled: boolean }
  | { readonly kind: 'direct'; readonly recipientKnown: boolean; readonly throttled: boolean };

/**
 * `typing`: relayed to the others of the conversation as it is, never stored — no writes, ever.
 * In a room to its group (the members' connections; the page ignores its own user's), in a
 * direct chat to the receiver's connections. A non-member, an unknown receiver and a flood get
 * an error frame and nothing is relayed.
 */
export function decideTyping(frame: TypingFrame, state: TypingState, ctx: EventContext): Decision {
  const { hub, userId } = ctx;
  const notice: TypingNoticeFrame = { type: 'typing', user: userId };
  if (ctx.userName !== undefined) notice.name = ctx.userName;
  let command: NotifierCommand;
  if (frame.room !== undefined) {
    if (state.kind !== 'room' || !state.member) return reject(ctx, frame.id, ErrorCodes.notMember, frame.room);
    notice.room = frame.room;
    command = { action: 'sendToGroup', hub, group: roomGroup(frame.room), frame: notice };
  } else {
    const to = frame.to ?? '';
    if (to === userId) return reject(ctx, frame.id, ErrorCodes.selfMessage);
    if (state.kind !== 'direct' || !state.recipientKnown) return reject(ctx, frame.id, ErrorCodes.unknownUser, to);
    notice.to = to;
    command = { action: 'sendToUser', hub, userId: to, frame: notice };
  }
  if (state.throttled) {
    const error = { code: ErrorCodes.typingThrottled, message: `at most one typing frame per ${Limits.typingIntervalMs} ms in a conversation` };
    return { writes: [], commands: [toConnection(ctx, { type: 'error', id: frame.id, error })], rejected: error.code };
  }
  return { writes: [], commands: [command] };
}
