import { Type } from '@sinclair/typebox';
import { ClientId, Emoji, MessageId, Name, strict, Text } from './frame-fields.js';

/*
 * Frames about one message of a conversation, or the conversation itself. Each names its
 * conversation the way `send` does: `room`, `to` (the other user of a direct chat), or neither
 * (the lobby); never both.
 */
const conversation = { room: Type.Optional(Name), to: Type.Optional(Name) };

/** Replaces the text of one's own message; the message shows it was edited, and when. */
export const EditFrame = Type.Object({ type: Type.Literal('edit'), id: ClientId, ...conversation, message: MessageId, text: Text }, strict);
/** Takes a message back: its author, or the room's owner or a moderator. Everyone sees "message deleted"; the text is gone from storage. */
export const DeleteFrame = Type.Object({ type: Type.Literal('delete'), id: ClientId, ...conversation, message: MessageId }, strict);
/** Adds (or with `remove: true` takes back) the sender's reaction `emoji` (a name of EMOJI) to a message. */
export const ReactFrame = Type.Object(
  { type: Type.Literal('react'), id: ClientId, ...conversation, message: MessageId, emoji: Emoji, remove: Type.Optional(Type.Literal(true)) },
  strict,
);
/** "I am typing" in a room or a direct chat: relayed to the others, never stored. */
export const TypingFrame = Type.Object({ type: Type.Literal('typing'), id: ClientId, ...conversation }, strict);
/** The sender has read the conversation up to and including `message`; shared with their other devices. */
export const ReadFrame = Type.Object({ type: Type.Literal('read'), id: ClientId, ...conversation, message: MessageId }, strict);
