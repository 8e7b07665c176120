import { ErrorCodes, type ErrorCode, type RoomFrame, type ServerFrame } from '@parley/contracts';
import type { Decision, EventContext } from './types.js';

const messages: Partial<Record<ErrorCode, (subject: string) => string>> = {
  [ErrorCodes.notMember]: (room) => `you are not a member of room "${room}"`,
  [ErrorCodes.unknownRoom]: (room) => `room "${room}" does not exist`,
  [ErrorCodes.unknownUser]: (user) => `user "${user}" is not known`,
  [ErrorCodes.alreadyMember]: (user) => `"${user}" is already a member`,
  [ErrorCodes.selfMessage]: () => 'you cannot send a private message to yourself',
  [ErrorCodes.badCursor]: () => 'the history cursor is not valid',
  [ErrorCodes.roomPrivate]: (room) => `room "${room}" is private: only a member can invite you`,
  [ErrorCodes.unknownMessage]: (id) => `message "${id}" is not a message of this conversation`,
  [ErrorCodes.notAuthor]: (action) => (action === 'delete' ? 'only its author, the room\'s owner or a moderator can delete this message' : 'you can only edit your own messages'),
  [ErrorCodes.messageDeleted]: (id) => `message "${id}" was deleted`,
  [ErrorCodes.tooManyReactions]: (id) => `message "${id}" has as many different reactions as it can hold`,
  [ErrorCodes.replyOtherConversation]: (id) => `message "${id}" is not a message of this conversation: a reply answers one of the same conversation`,
  [ErrorCodes.unknownEmoji]: (emoji) => `unknown emoji ${JSON.stringify(emoji)}`,
  [ErrorCodes.banned]: (message) => message,
  [ErrorCodes.muted]: (message) => message,
  [ErrorCodes.roomExists]: (room) => `room "${room}" already exists and is public; choose another name for a private room`,
};

/**
 * A rule's refusal: the gateway already acked the frame as durably accepted,
 * so the answer is an `error` frame to the sending connection, nothing else.
 */
export function reject(ctx: EventContext, clientId: string, code: ErrorCode, subject = ''): Decision {
  const message = messages[code]?.(subject) ?? code;
  return {
    writes: [],
    commands: [toConnection(ctx, { type: 'error', id: clientId, error: { code, message } })],
    rejected: code,
  };
}

export function toConnection(ctx: EventContext, frame: ServerFrame) {
  return { action: 'sendToConnection', hub: ctx.hub, connectionId: ctx.connectionId, frame } as const;
}

/** `actorName` is the display name of who sent the frame: `user` on `joined`/`left`, `by` on `invited`. */
export function roomFrame(room: string, user: string, event: RoomFrame['event'], by?: string, isPrivate = false, actorName?: string): RoomFrame {
  const frame: RoomFrame = by === undefined ? { type: 'room', room, user, event } : { type: 'room', room, user, event, by };
  if (actorName !== undefined) {
    if (by === undefined) frame.userName = actorName;
    else frame.byName = actorName;
  }
  if (isPrivate) frame.private = true;
  return frame;
}
