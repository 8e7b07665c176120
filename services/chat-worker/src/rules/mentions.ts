/**
 * Mentions: `@<user id>` or `@<display name>` naming a member of the room. Pure: the members and
 * their names are given. Matching ignores case; a token must start the text or follow a character
 * that is not a letter, digit or `_` (so `bob@example.com` mentions nobody), and end at the end of
 * the text or before such a character (so `@bobby` is not `@bob`). Where several members' ids or
 * names fit at one `@`, the longest wins (`@Ann Lee` over `@Ann`).
 */
export interface MentionDirectory {
  /** The room's members (user ids). */
  readonly members: readonly string[];
  /** Display names of those members that have one (user id → name). */
  readonly names: ReadonlyMap<string, string>;
}

/** Only a text with `@` can mention anyone: every other message skips the member read. */
export function mayMention(text: string): boolean {
  return text.includes('@');
}

const WORD = /[\p{L}\p{N}_]/u;

/** The members the text mentions, each once, in the order first mentioned. */
export function extractMentions(text: string, directory: MentionDirectory): string[] {
  if (!mayMention(text)) return [];
  const candidates: Array<{ readonly token: string; readonly user: string }> = [];
  for (const user of directory.members) {
    candidates.push({ token: user.toLowerCase(), user });
    const name = directory.names.get(user);
    if (name !== undefined) candidates.push({ token: name.toLowerCase(), user });
  }
  // Longest first, so the first fit at an `@` is the longest.
  candidates.sort((a, b) => b.token.length - a.token.length);
  const lower = text.toLowerCase();
  const mentioned: string[] = [];
  for (let at = lower.indexOf('@'); at !== -1; at = lower.indexOf('@', at + 1)) {
    if (at > 0 && WORD.test(lower[at - 1]!)) continue;
    const start = at + 1;
    const fit = candidates.find(({ token }) => token.length > 0 && lower.startsWith(token, start) && !endsInsideWord(lower, start + token.length));
    if (fit !== undefined && !mentioned.includes(fit.user)) mentioned.push(fit.user);
  }
  return mentioned;
}

function endsInsideWord(text: string, end: number): boolean {
  const next = String.fromCodePoint(text.codePointAt(end) ?? 0x20);
  return end < text.length && WORD.test(next);
}
