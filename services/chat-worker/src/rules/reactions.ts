import { Limits, type EmojiName } from '@parley/contracts';
import type { Reaction } from './message-target.js';

/**
 * A message's reactions are stored with every reacting user, so a removal is exact, and the
 * whole list rides in the claim of the frame that changed it (frozen for redeliveries). Both
 * are single Table Storage string properties (at most 32K UTF-16 units), so the list's JSON is
 * kept well under that; past it, more reactions are refused like a 21st emoji.
 */
export const MAX_REACTIONS_JSON_CHARS = 24_000;

/** What adding or removing a reaction does to a message's list. */
export type ReactionOutcome =
  | { readonly kind: 'changed'; readonly reactions: Reaction[] }
  /** Adding one the user already gave, or removing one they did not: accepted, nothing to store or tell. */
  | { readonly kind: 'unchanged' }
  /** The message carries Limits.maxReactionsPerMessage distinct emoji already (or its list is at its size bound). */
  | { readonly kind: 'full' };

/** Adds `user`'s `emoji`: one per user per emoji; a new emoji goes last (lists keep the order emoji were first used). */
export function addReaction(reactions: readonly Reaction[], emoji: EmojiName, user: string): ReactionOutcome {
  const existing = reactions.find((reaction) => reaction.emoji === emoji);
  if (existing?.users.includes(user)) return { kind: 'unchanged' };
  if (!existing && reactions.length >= Limits.maxReactionsPerMessage) return { kind: 'full' };
  const next = existing
    ? reactions.map((reaction) => (reaction === existing ? withUsers(emoji, [...reaction.users, user]) : reaction))
    : [...reactions, withUsers(emoji, [user])];
  return JSON.stringify(next).length > MAX_REACTIONS_JSON_CHARS ? { kind: 'full' } : { kind: 'changed', reactions: next };
}

/** Takes `user`'s `emoji` back; an emoji nobody gives any more leaves the list. */
export function removeReaction(reactions: readonly Reaction[], emoji: EmojiName, user: string): ReactionOutcome {
  const existing = reactions.find((reaction) => reaction.emoji === emoji);
  if (!existing?.users.includes(user)) return { kind: 'unchanged' };
  const users = existing.users.filter((other) => other !== user);
  const next = reactions.flatMap((reaction) => (reaction !== existing ? [reaction] : users.length > 0 ? [withUsers(emoji, users)] : []));
  return { kind: 'changed', reactions: next };
}

/** As frames show them: the exact count, and the first Limits.maxReactorsListed users. */
export function shownReactions(reactions: readonly Reaction[]): Reaction[] {
  return reactions.map((reaction) =>
    reaction.users.length <= Limits.maxReactorsListed ? reaction : { ...reaction, users: reaction.users.slice(0, Limits.maxReactorsListed) },
  );
}

function withUsers(emoji: string, users: string[]): Reaction {
  return { emoji, count: users.length, users };
}
