import { EMOJI, Limits, type EmojiName } from '@parley/contracts/constants';

/** The reaction emoji by name (frames carry the name, the page shows the character): the contracts' own set. */
export { EMOJI, type EmojiName };
export const EMOJI_NAMES = Object.keys(EMOJI) as EmojiName[];

/** The character of a reaction name; the name itself for one this page does not know. */
export function emojiChar(name: string): string {
  return Object.hasOwn(EMOJI, name) ? EMOJI[name as EmojiName] : `:${name}:`;
}

/** How long "is typing" stays without a newer frame, and how often the page says it types. */
export const TYPING_EXPIRES_MS = Limits.typingExpiresMs;
export const TYPING_INTERVAL_MS = Limits.typingIntervalMs;
/** Rooms up to this many members show "seen by". */
export const MAX_SEEN_BY_MEMBERS = Limits.maxSeenByMembers;
