/**
 * Other users' messages keep two traces of a user in their state columns: the user's reactions
 * (`reactions`: JSON with every reacting user) and the quote of a message of theirs that a reply
 * answered (`replyTo`: JSON with its author and the start of its text). erase-user deletes the
 * user's own rows; these rows are someone else's, so it rewrites just those columns.
 */
export interface MessageAmendment {
  readonly partitionKey: string;
  readonly rowKey: string;
  /** The reactions without the user's (JSON; `[]` when none is left). */
  readonly reactions?: string;
  /** The quote with neither author nor text (its message id stays: the answered message is gone). */
  readonly replyTo?: string;
}

interface Reaction {
  emoji: unknown;
  users: unknown[];
}

/** What to rewrite in one message row of another user, or undefined when it holds nothing of `user`. */
export function amendmentOf(row: { partitionKey: string; rowKey: string; reactions?: unknown; replyTo?: unknown }, user: string): MessageAmendment | undefined {
  const reactions = withoutReactionsOf(row.reactions, user);
  const replyTo = withoutQuoteOf(row.replyTo, user);
  if (reactions === undefined && replyTo === undefined) return undefined;
  return { partitionKey: row.partitionKey, rowKey: row.rowKey, ...(reactions === undefined ? {} : { reactions }), ...(replyTo === undefined ? {} : { replyTo }) };
}

function withoutReactionsOf(column: unknown, user: string): string | undefined {
  const list = parsed(column);
  if (!Array.isArray(list) || !list.some((reaction: Reaction) => Array.isArray(reaction?.users) && reaction.users.includes(user))) return undefined;
  const kept = (list as Reaction[]).flatMap((reaction) => {
    const users = Array.isArray(reaction?.users) ? reaction.users.filter((other) => other !== user) : [];
    return users.length > 0 ? [{ emoji: reaction.emoji, count: users.length, users }] : [];
  });
  return JSON.stringify(kept);
}

function withoutQuoteOf(column: unknown, user: string): string | undefined {
  const quote = parsed(column) as { id?: unknown; from?: unknown } | undefined;
  if (quote === null || typeof quote !== 'object' || quote.from !== user) return undefined;
  return JSON.stringify({ id: quote.id, from: '', text: '' });
}

function parsed(column: unknown): unknown {
  if (typeof column !== 'string') return undefined;
  try {
    return JSON.parse(column) as unknown;
  } catch {
    return undefined;
  }
}
