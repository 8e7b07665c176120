import { Type } from '@sinclair/typebox';

export const Limits = {
  /** A client frame larger than this (UTF-8 bytes) is refused before parsing. */
  maxFrameBytes: 16 * 1024,
  /** Text length in characters (Unicode code points), as the protocol counts them. */
  maxTextChars: 4000,
  maxNameChars: 64,
  maxClientIdChars: 64,
  maxCursorChars: 200,
  maxHistoryLimit: 100,
  defaultHistoryLimit: 50,
  /** How much of the answered message a reply quotes (code points). */
  maxQuoteChars: 140,
  /** Distinct emoji on one message. */
  maxReactionsPerMessage: 20,
  /** Reacting users a message's reaction names (the count is always exact). */
  maxReactorsListed: 50,
  /** A typing frame is relayed at most once per this many ms per user and conversation. */
  typingIntervalMs: 2_000,
  /** A "is typing" shown without a newer typing frame goes away after this. */
  typingExpiresMs: 6_000,
  /** Rooms up to this many members show "seen by" for their last message. */
  maxSeenByMembers: 50,
  maxDirectoryLimit: 100,
  defaultDirectoryLimit: 50,
  /** The longest mute (minutes): 7 days. */
  maxMuteMinutes: 7 * 24 * 60,
} as const;

// Names travel into REST URLs and table keys; control characters never do.
// Everything else is allowed and always encoded where it is used.
const NAME_PATTERN = '^[^\\u0000-\\u001f\\u007f]+$';
export const Name = Type.String({ minLength: 1, maxLength: Limits.maxNameChars, pattern: NAME_PATTERN });
export const ClientId = Type.String({ minLength: 1, maxLength: Limits.maxClientIdChars, pattern: NAME_PATTERN });
// Length is checked in code points by parseClientFrame; this bound only caps UTF-16 size.
export const Text = Type.String({ maxLength: Limits.maxTextChars * 2 });
/** A message's server id (the event id that stored it: 26 Crockford base32 characters). */
export const MessageId = Type.String({ pattern: '^[0-9A-HJKMNP-TV-Z]{26}$' });

/**
 * The emoji a reaction may carry, by name (the frame carries the name; clients show the
 * character). A fixed set keeps every message's reactions bounded and the names safe as keys.
 */
export const EMOJI = {
  thumbsup: '👍',
  thumbsdown: '👎',
  heart: '❤️',
  laugh: '😂',
  smile: '🙂',
  tada: '🎉',
  eyes: '👀',
  rocket: '🚀',
  fire: '🔥',
  clap: '👏',
  thinking: '🤔',
  sad: '😢',
  wow: '😮',
  check: '✅',
  cross: '❌',
  pray: '🙏',
} as const;
export type EmojiName = keyof typeof EMOJI;
/** Checked against EMOJI by parseClientFrame (an unknown name has its own code); this bound only caps size. */
export const Emoji = Type.String({ minLength: 1, maxLength: 32 });
export const isEmojiName = (name: string): name is EmojiName => Object.hasOwn(EMOJI, name);

/** Room roles: the creator owns a room; the owner makes members moderators. */
export const ROOM_ROLES = ['owner', 'moderator', 'member'] as const;
export type RoomRole = (typeof ROOM_ROLES)[number];
export const RoomRole = Type.Union(ROOM_ROLES.map((role) => Type.Literal(role)));

export const strict = { additionalProperties: false } as const;
