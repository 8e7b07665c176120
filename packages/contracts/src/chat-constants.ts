/*
 * The protocol's numbers and the reaction emoji: plain values, no schema library, so the page
 * imports them (`@parley/contracts/constants`) without bundling any contract code.
 */

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
  /** A typing frame is relayed at most once per this many ms per connection and conversation (by each gateway copy). */
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
export const isEmojiName = (name: string): name is EmojiName => Object.hasOwn(EMOJI, name);
