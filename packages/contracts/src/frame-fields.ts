import { Type } from '@sinclair/typebox';
import { Limits } from './chat-constants.js';

export { EMOJI, isEmojiName, Limits, type EmojiName } from './chat-constants.js';

// Names travel into REST URLs and table keys; control characters never do.
// Everything else is allowed and always encoded where it is used.
const NAME_PATTERN = '^[^\\u0000-\\u001f\\u007f]+$';
export const Name = Type.String({ minLength: 1, maxLength: Limits.maxNameChars, pattern: NAME_PATTERN });
export const ClientId = Type.String({ minLength: 1, maxLength: Limits.maxClientIdChars, pattern: NAME_PATTERN });
// Length is checked in code points by parseClientFrame; this bound only caps UTF-16 size.
export const Text = Type.String({ maxLength: Limits.maxTextChars * 2 });
/** A message's server id (the event id that stored it: 26 Crockford base32 characters). */
export const MessageId = Type.String({ pattern: '^[0-9A-HJKMNP-TV-Z]{26}$' });

/** Checked against EMOJI by parseClientFrame (an unknown name has its own code); this bound only caps size. */
export const Emoji = Type.String({ minLength: 1, maxLength: 32 });

/** Room roles: the creator owns a room; the owner makes members moderators. */
export const ROOM_ROLES = ['owner', 'moderator', 'member'] as const;
export type RoomRole = (typeof ROOM_ROLES)[number];
export const RoomRole = Type.Union(ROOM_ROLES.map((role) => Type.Literal(role)));

export const strict = { additionalProperties: false } as const;
