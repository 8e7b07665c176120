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
import { isMutedAt } from './moderation.js';
import { reject } from './reject.js';
import type { Decision, EventContext } from './types.js';

/** What the send rule needs to know, loaded before it runs (and frozen for redeliveries). */
export type SendState =
  | { readonly kind: 'lobby' }
  | {
      readonly kind: 'room';
      readonly roomExists: boolean;
      readonly member: boolean;
      /** The member row's mute end, when it has one (past: the mute is over). */
      readonly mutedUntil?: string;
      /**
       * Whether the sender's voice row exists, when it was read (absent: assumed, as on the hot path).
       * A member who may send but has none (a mute ended, a membership older than voices) gets it back.
       */
      readonly voice?: boolean;
    }
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
    if (isMutedAt(state, ctx.receivedAt)) {
      return reject(ctx, frame.id, ErrorCodes.muted, `you are muted in room "${frame.room}" until ${state.mutedUntil ?? ''}`);
    }
    const voice = { kind: 'putVoice', hub, room: frame.room, user: ctx.userId } as const;
    return {
      writes: [store(roomConversation(frame.room)), ...(state.voice === false ? [voice] : [])],
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
