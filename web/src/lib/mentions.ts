/** A piece of a message's text: plain, or an `@name` of a member the message mentions. */
export interface TextPart {
  readonly text: string;
  /** The user id mentioned, for an `@name` part. */
  readonly mention?: string;
}

/**
 * Splits a text at the `@name`s of the users the server says it mentions (the message's
 * `mentions`). A user is written as `@` and their id or display name (case-insensitive),
 * ending at the end of the text or a character that cannot continue a name; the longest
 * name wins ("@ann" and "@anna"). Text only: the page never renders it as HTML.
 */
export function splitMentions(text: string, mentions: readonly string[] | undefined, nameOf: (user: string) => string): TextPart[] {
  if (!mentions || mentions.length === 0 || !text.includes('@')) return [{ text }];
  const spellings = mentions
    .flatMap((user) => [...new Set([user, nameOf(user)])].map((spelled) => ({ user, spelled: spelled.toLowerCase() })))
    .sort((a, b) => b.spelled.length - a.spelled.length);
  const lower = text.toLowerCase();
  const parts: TextPart[] = [];
  let plainFrom = 0;
  let i = text.indexOf('@');
  while (i >= 0) {
    const hit = spellings.find(({ spelled }) => lower.startsWith(spelled, i + 1) && endsName(text, i + 1 + spelled.length));
    if (hit) {
      if (i > plainFrom) parts.push({ text: text.slice(plainFrom, i) });
      const end = i + 1 + hit.spelled.length;
      parts.push({ text: text.slice(i, end), mention: hit.user });
      plainFrom = end;
      i = text.indexOf('@', end);
    } else {
      i = text.indexOf('@', i + 1);
    }
  }
  if (plainFrom < text.length) parts.push({ text: text.slice(plainFrom) });
  return parts;
}

function endsName(text: string, at: number): boolean {
  return at >= text.length || !/[\p{L}\p{N}_-]/u.test(text[at] as string);
}
