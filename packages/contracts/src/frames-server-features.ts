import { Type } from '@sinclair/typebox';
import { RoomRole } from './frame-fields.js';

const Iso = Type.String({ minLength: 10, maxLength: 40 });

/** One emoji's reactions on a message: the exact count, and up to Limits.maxReactorsListed of the users. */
export const Reaction = Type.Object({ emoji: Type.String(), count: Type.Integer({ minimum: 1 }), users: Type.Array(Type.String()) });

/** The message a reply answers, as the reply shows it: author and the start of its text (as it was when answered). */
export const QuotedMessage = Type.Object({
  id: Type.String(),
  from: Type.String(),
  fromName: Type.Optional(Type.String()),
  /** At most Limits.maxQuoteChars characters of the answered text. */
  text: Type.String(),
});

/** Fields a message frame carries beside its text once it was answered, edited, deleted or reacted to. */
export const MessageStateFields = {
  replyTo: Type.Optional(QuotedMessage),
  /** When the text was last edited (absent: never). */
  editedAt: Type.Optional(Iso),
  /** Taken back: `text` is empty and the page shows "message deleted". */
  deleted: Type.Optional(Type.Literal(true)),
  /** Present when the message has any, by emoji in the order they were first used. */
  reactions: Type.Optional(Type.Array(Reaction)),
  /** Members the text mentions by `@name` (user ids). */
  mentions: Type.Optional(Type.Array(Type.String())),
};

/**
 * A change to a message clients may already show: its new state (text and `editedAt` after an
 * edit; `deleted` with empty text; the whole `reactions` list after a reaction). Addressed like
 * the message (`from`, and `room` or `to`); `by` is who made the change.
 */
export const UpdateFrame = Type.Object({
  type: Type.Literal('update'),
  /** The server id of the message that changed. */
  id: Type.String(),
  from: Type.String(),
  room: Type.Optional(Type.String()),
  to: Type.Optional(Type.String()),
  text: Type.Optional(Type.String()),
  editedAt: Type.Optional(Iso),
  deleted: Type.Optional(Type.Literal(true)),
  reactions: Type.Optional(Type.Array(Reaction)),
  /** On an edit in a room: the members the new text mentions (empty: none any more). */
  mentions: Type.Optional(Type.Array(Type.String())),
  by: Type.String(),
  byName: Type.Optional(Type.String()),
});

/** `user` is typing in `room`, or to the receiver in a direct chat (`to` is the receiver). Shown for Limits.typingExpiresMs. */
export const TypingNoticeFrame = Type.Object({
  type: Type.Literal('typing'),
  user: Type.String(),
  name: Type.Optional(Type.String()),
  room: Type.Optional(Type.String()),
  to: Type.Optional(Type.String()),
});

/**
 * `user` has read the conversation up to `message` (sent at `at`): to the user's own connections
 * (unread counts follow on every device) and, in a room of up to Limits.maxSeenByMembers members
 * or a direct chat, to the others ("seen by").
 */
export const ReadNoticeFrame = Type.Object({
  type: Type.Literal('read'),
  user: Type.String(),
  room: Type.Optional(Type.String()),
  to: Type.Optional(Type.String()),
  message: Type.String(),
  at: Iso,
});

/** A conversation's unread messages for the receiving user (`room`, `with` a user, or neither: the lobby). */
export const UnreadCount = Type.Object({
  room: Type.Optional(Type.String()),
  with: Type.Optional(Type.String()),
  /** Messages after the user's read position, counted up to 100 (the page shows "99+"). */
  count: Type.Integer({ minimum: 0 }),
  /** Of those, the ones that mention the user. */
  mentions: Type.Integer({ minimum: 0 }),
  /** The user's read position: the last message read. */
  lastRead: Type.Optional(Type.String()),
});

export const Member = Type.Object({
  user: Type.String(),
  name: Type.Optional(Type.String()),
  role: RoomRole,
  online: Type.Boolean(),
  /** Set while the member is muted. */
  mutedUntil: Type.Optional(Iso),
});

/** The answer to `members`. */
export const MembersAnswerFrame = Type.Object({
  type: Type.Literal('members'),
  id: Type.Optional(Type.String()),
  room: Type.String(),
  members: Type.Array(Member),
  /** Users banned from the room; listed to its owner and moderators only. */
  banned: Type.Optional(Type.Array(Type.String())),
});

/** The answer to `directory`: public rooms by name, with member counts. */
export const DirectoryAnswerFrame = Type.Object({
  type: Type.Literal('directory'),
  id: Type.Optional(Type.String()),
  rooms: Type.Array(Type.Object({ room: Type.String(), members: Type.Integer({ minimum: 0 }) })),
  /** `after` for the next page; null at the end. */
  next: Type.Union([Type.String(), Type.Null()]),
});

/** A moderation action, announced to the room and to the user it concerns. */
export const ModerationFrame = Type.Object({
  type: Type.Literal('moderation'),
  room: Type.String(),
  action: Type.Union([
    Type.Literal('role'),
    Type.Literal('removed'),
    Type.Literal('banned'),
    Type.Literal('unbanned'),
    Type.Literal('muted'),
    Type.Literal('unmuted'),
  ]),
  user: Type.String(),
  userName: Type.Optional(Type.String()),
  by: Type.String(),
  byName: Type.Optional(Type.String()),
  /** The new role, on `role`. */
  role: Type.Optional(RoomRole),
  /** The end of the mute, on `muted`. */
  until: Type.Optional(Iso),
});
