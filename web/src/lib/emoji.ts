/**
 * The reaction emoji by name, as packages/contracts' EMOJI (a unit test keeps them equal):
 * frames carry the name, the page shows the character. Copied, not imported, because the
 * page bundles no contract code, only types.
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
export const EMOJI_NAMES = Object.keys(EMOJI) as EmojiName[];

/** The character of a reaction name; the name itself for one this page does not know. */
export function emojiChar(name: string): string {
  return Object.hasOwn(EMOJI, name) ? EMOJI[name as EmojiName] : `:${name}:`;
}

/** How long "is typing" stays without a newer frame, and how often the page says it types (contracts' Limits). */
export const TYPING_EXPIRES_MS = 6_000;
export const TYPING_INTERVAL_MS = 2_000;
/** Rooms up to this many members show "seen by" (contracts' Limits.maxSeenByMembers). */
export const MAX_SEEN_BY_MEMBERS = 50;
