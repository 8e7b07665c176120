import {
  directConversation,
  ErrorCodes,
  lobby,
  roomConversation,
  roomGroup,
  type Conversation,
  type MessageFrame,
  type NotifierCommand,
  type SendFrame,
} from '@parley/contracts';
import { reject } from './reject.js';
import type { Decision, EventContext } from './types.js';

/** What the send rule needs to know, loaded before it runs (and frozen for redeliveries). */
export type SendState =
  | { readonly kind: 'lobby' }
  /** `mentions`: members the text names (rules/mentions.ts), looked up only for a text with `@`. */
  | { readonly kind: 'room'; readonly roomExists: boolean; readonly member: boolean; readonly mentions?: readonly string[] }
  | { readonly kind: 'direct'; readonly recipientKnown: boolean };

/** The message frame everyone sees; `id` is the event id, so clients de-duplicate on it. */
export function messageFrame(frame: SendFrame, ctx: EventContext): MessageFrame {
  const message: MessageFrame = { type: 'message', id: ctx.eventId, clientId: frame.id, from: ctx.userId, text: frame.text, at: ctx.receivedAt };
  if (ctx.userName !== undefined) message.fromName = ctx.userName;
  if (frame.room !== undefined) message.room = frame.room;
  if (frame.to !== undefined) message.to = frame.to;
  return message;
}

/**
 * `send`: to the lobby (everyone), to a room the sender is in, or privately to
 * a known user. Stored in the conversation, then delivered.
 */
export function decideSend(frame: SendFrame, state: SendState, ctx: EventContext): Decision {
  const { hub } = ctx;
  const message = messageFrame(frame, ctx);
  const store = (conversation: Conversation) => ({ kind: 'putMessage', hub, conversation, message }) as const;

  if (frame.room !== undefined) {
    if (state.kind !== 'room' || !state.roomExists) return reject(ctx, frame.id, ErrorCodes.unknownRoom, frame.room);
    if (!state.member) return reject(ctx, frame.id, ErrorCodes.notMember, frame.room);
    if (state.mentions !== undefined && state.mentions.length > 0) message.mentions = [...state.mentions];
    return {
      writes: [store(roomConversation(frame.room))],
      commands: [{ action: 'sendToGroup', hub, group: roomGroup(frame.room), frame: message }],
    };
  }

  if (frame.to !== undefined) {
    if (frame.to === ctx.userId) return reject(ctx, frame.id, ErrorCodes.selfMessage);
    if (state.kind !== 'direct' || !state.recipientKnown) return reject(ctx, frame.id, ErrorCodes.unknownUser, frame.to);
    const commands: NotifierCommand[] = [
      { action: 'sendToUser', hub, userId: frame.to, frame: message },
      // The sender's other connections (and this one) show the message too.
      { action: 'sendToUser', hub, userId: ctx.userId, frame: message },
    ];
    return { writes: [store(directConversation(ctx.userId, frame.to))], commands };
  }

  return { writes: [store(lobby())], commands: [{ action: 'sendToAll', hub, frame: message }] };
}
