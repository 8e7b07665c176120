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
import { replyQuote, type ReplyTarget } from './replies.js';
import type { QuotedMessage } from './message-target.js';
import type { Decision, EventContext } from './types.js';

/** What the send rule needs to know, loaded before it runs (and frozen for redeliveries). `reply`: loaded for a reply only. */
export type SendState = (
  | { readonly kind: 'lobby' }
  | {
      readonly kind: 'room';
      readonly roomExists: boolean;
      readonly member: boolean;
      /** Members the text names (rules/mentions.ts), looked up only for a text with `@`. */
      readonly mentions?: readonly string[];
      /** The member row's mute end, when it has one (past: the mute is over). */
      readonly mutedUntil?: string;
      /**
       * Whether the sender's voice row exists, when it was read (absent: assumed, as on the hot path).
       * A member who may send but has none (a mute ended, a membership older than voices) gets it back.
       */
      readonly voice?: boolean;
    }
  | { readonly kind: 'direct'; readonly recipientKnown: boolean }
) & { readonly reply?: ReplyTarget };

/** The message frame everyone sees; `id` is the event id, so clients de-duplicate on it. */
export function messageFrame(frame: SendFrame, ctx: EventContext, replyTo?: QuotedMessage): MessageFrame {
  const message: MessageFrame = { type: 'message', id: ctx.eventId, clientId: frame.id, from: ctx.userId, text: frame.text, at: ctx.receivedAt };
  if (ctx.userName !== undefined) message.fromName = ctx.userName;
  if (frame.room !== undefined) message.room = frame.room;
  if (frame.to !== undefined) message.to = frame.to;
  if (replyTo !== undefined) message.replyTo = replyTo;
  return message;
}

/**
 * `send`: to the lobby (everyone), to a room the sender is in, or privately to
 * a known user. Stored in the conversation, then delivered.
 */
export function decideSend(frame: SendFrame, state: SendState, ctx: EventContext): Decision {
  const { hub } = ctx;
  const refusal = accessRefusal(frame, state, ctx);
  if (refusal) return refusal;
  let replyTo: QuotedMessage | undefined;
  if (frame.replyTo !== undefined) {
    const quoted = replyQuote({ ...frame, replyTo: frame.replyTo }, state.reply, ctx);
    if ('commands' in quoted) return quoted;
    replyTo = quoted;
  }
  const message = messageFrame(frame, ctx, replyTo);
  const store = (conversation: Conversation) => ({ kind: 'putMessage', hub, conversation, message }) as const;

  if (frame.room !== undefined) {
    if (state.kind === 'room' && state.mentions !== undefined && state.mentions.length > 0) message.mentions = [...state.mentions];
    const voice = { kind: 'putVoice', hub, room: frame.room, user: ctx.userId } as const;
    return {
      writes: [store(roomConversation(frame.room)), ...(state.kind === 'room' && state.voice === false ? [voice] : [])],
      commands: [{ action: 'sendToGroup', hub, group: roomGroup(frame.room), frame: message }],
    };
  }

  if (frame.to !== undefined) {
    const commands: NotifierCommand[] = [
      { action: 'sendToUser', hub, userId: frame.to, frame: message },
      // The sender's other connections (and this one) show the message too.
      { action: 'sendToUser', hub, userId: ctx.userId, frame: message },
    ];
    const listed = (user: string, peer: string) => ({ kind: 'putDirectChat', hub, user, peer }) as const;
    return { writes: [store(directConversation(ctx.userId, frame.to)), listed(ctx.userId, frame.to), listed(frame.to, ctx.userId)], commands };
  }

  return { writes: [store(lobby())], commands: [{ action: 'sendToAll', hub, frame: message }] };
}

/** Who may send there: a member of an existing room, to a known user other than oneself, anyone to the lobby. */
function accessRefusal(frame: SendFrame, state: SendState, ctx: EventContext): Decision | undefined {
  if (frame.room !== undefined) {
    if (state.kind !== 'room' || !state.roomExists) return reject(ctx, frame.id, ErrorCodes.unknownRoom, frame.room);
    if (!state.member) return reject(ctx, frame.id, ErrorCodes.notMember, frame.room);
    if (isMutedAt(state, ctx.receivedAt)) return reject(ctx, frame.id, ErrorCodes.muted, `you are muted in room "${frame.room}" until ${state.mutedUntil ?? ''}`);
  } else if (frame.to !== undefined) {
    if (frame.to === ctx.userId) return reject(ctx, frame.id, ErrorCodes.selfMessage);
    if (state.kind !== 'direct' || !state.recipientKnown) return reject(ctx, frame.id, ErrorCodes.unknownUser, frame.to);
  }
  return undefined;
}
