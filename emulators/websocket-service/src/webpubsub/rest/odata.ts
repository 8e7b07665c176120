import type { HubConnection } from '../../hub-connection.js';

/**
 * The OData subset Web PubSub's `filter` takes (docs/protocols.md §2):
 * `connectionId`, `userId`, `protocol` compared with eq, ne, lt, le, gt, ge
 * to a string literal ('…', '' for a quote) or null; `'g' in groups`;
 * `not`, `and`, `or` and parentheses. Pure: compiled once per request.
 *
 * Refusals use the service's wording, which clients and Microsoft's tests
 * match on: "Invalid syntax for '<filter>': Syntax error at position N in
 * '<filter>'. (Parameter 'filter')". As in the OData parser the service
 * uses, N is where the parser stood when it gave up: just past the token it
 * could not use (the filter's length when the filter ended too early).
 */
export type ConnectionFilter = (conn: HubConnection) => boolean;

/** `end`: the offset just past the token, the position a syntax error there reports. */
type Token = ({ kind: 'str'; value: string } | { kind: 'word'; value: string } | { kind: '(' | ')' }) & { end: number };

/** A refusal: `position` for a syntax error, else a reason that is not about syntax. */
class FilterError extends Error {
  constructor(
    readonly position: number | undefined,
    reason: string,
  ) {
    super(reason);
  }
}

const MAX_LENGTH = 4096;
const MAX_DEPTH = 64;
const FIELDS = new Set(['connectionid', 'userid', 'protocol']);
const COMPARE = new Set(['eq', 'ne', 'lt', 'le', 'gt', 'ge']);

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (/\s/.test(ch)) i++;
    else if (ch === '(' || ch === ')') {
      i++;
      out.push({ kind: ch, end: i });
    } else if (ch === "'") {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) throw new FilterError(text.length, 'a string literal is not closed');
        if (text[i] === "'") {
          if (text[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += text[i];
        i++;
      }
      out.push({ kind: 'str', value, end: i });
    } else {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i));
      if (!m) throw new FilterError(i + 1, `unexpected character ${JSON.stringify(ch)}`);
      i += m[0].length;
      out.push({ kind: 'word', value: m[0], end: i });
    }
  }
  return out;
}

function fieldOf(conn: HubConnection, field: string): string | undefined {
  if (field === 'connectionid') return conn.id;
  if (field === 'userid') return conn.userId;
  return conn.protocol;
}

function compare(op: string, left: string | undefined, right: string | null): boolean {
  const l = left ?? null;
  if (op === 'eq') return l === right;
  if (op === 'ne') return l !== right;
  if (l === null || right === null) return false;
  const c = l < right ? -1 : l > right ? 1 : 0;
  return op === 'lt' ? c < 0 : op === 'le' ? c <= 0 : op === 'gt' ? c > 0 : c >= 0;
}

class Parser {
  private pos = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly length: number,
  ) {}

  parse(): ConnectionFilter {
    const f = this.or(0);
    if (this.pos < this.tokens.length) this.fail(this.tokens[this.pos], `unexpected ${this.describe(this.tokens[this.pos])}`);
    return f;
  }

  /** A syntax error at `token` (past its end), or at the end of the filter when there is none. */
  private fail(token: Token | undefined, reason: string): never {
    throw new FilterError(token?.end ?? this.length, reason);
  }

  private peekWord(): string | undefined {
    const t = this.tokens[this.pos];
    return t?.kind === 'word' ? t.value.toLowerCase() : undefined;
  }

  private describe(t: Token | undefined): string {
    if (!t) return 'end of filter';
    return t.kind === 'str' ? `'${t.value}'` : t.kind === 'word' ? t.value : t.kind;
  }

  private or(depth: number): ConnectionFilter {
    let left = this.and(depth);
    while (this.peekWord() === 'or') {
      this.pos++;
      const l = left;
      const r = this.and(depth);
      left = (c) => l(c) || r(c);
    }
    return left;
  }

  private and(depth: number): ConnectionFilter {
    let left = this.unary(depth);
    while (this.peekWord() === 'and') {
      this.pos++;
      const l = left;
      const r = this.unary(depth);
      left = (c) => l(c) && r(c);
    }
    return left;
  }

  private unary(depth: number): ConnectionFilter {
    if (depth > MAX_DEPTH) throw new FilterError(undefined, `nested deeper than ${MAX_DEPTH} levels`);
    if (this.peekWord() === 'not') {
      this.pos++;
      const inner = this.unary(depth + 1);
      return (c) => !inner(c);
    }
    const t = this.tokens[this.pos];
    if (t?.kind === '(') {
      this.pos++;
      const inner = this.or(depth + 1);
      if (this.tokens[this.pos]?.kind !== ')') this.fail(this.tokens[this.pos], `expected ) but found ${this.describe(this.tokens[this.pos])}`);
      this.pos++;
      return inner;
    }
    return this.comparison();
  }

  private comparison(): ConnectionFilter {
    const first = this.tokens[this.pos++];
    if (first?.kind === 'str') {
      const inWord = this.tokens[this.pos++];
      if (inWord?.kind !== 'word' || inWord.value.toLowerCase() !== 'in') this.fail(inWord, `expected "in groups" after '${first.value}'`);
      const groups = this.tokens[this.pos++];
      if (groups?.kind !== 'word' || groups.value.toLowerCase() !== 'groups') this.fail(groups, `expected groups after in, found ${this.describe(groups)}`);
      const group = first.value;
      return (c) => c.groups?.has(group) ?? false;
    }
    // Any identifier is syntax; whether it names a field is checked after the comparison parsed, as OData does.
    if (first?.kind !== 'word') this.fail(first, `expected a field or '<group>' in groups, found ${this.describe(first)}`);
    const opToken = this.tokens[this.pos++];
    const op = opToken?.kind === 'word' ? opToken.value.toLowerCase() : undefined;
    if (!op || !COMPARE.has(op)) this.fail(opToken, `expected eq, ne, lt, le, gt or ge after ${first.value}`);
    const value = this.tokens[this.pos++];
    let right: string | null;
    if (value?.kind === 'str') right = value.value;
    else if (value?.kind === 'word' && value.value.toLowerCase() === 'null') right = null;
    else this.fail(value, `expected a string literal or null after ${op}, found ${this.describe(value)}`);
    const field = first.value.toLowerCase();
    if (!FIELDS.has(field)) throw new FilterError(undefined, `'${first.value}' is not a filter field: use connectionId, userId, protocol or '<group>' in groups`);
    return (c) => compare(op, fieldOf(c, field), right);
  }
}

/** The refusal text for `filter`: the service's wording for syntax errors, the same frame for the rest. */
function refusal(text: string, error: FilterError): string {
  const detail = error.position === undefined ? `${error.message}.` : `Syntax error at position ${error.position} in '${text}'.`;
  return `Invalid syntax for '${text}': ${detail} (Parameter 'filter')`;
}

/** `error` is the whole message for the 400 answer; `reason` says in plain words what the parser expected (for logs). */
export function compileFilter(text: string): { filter: ConnectionFilter } | { error: string; reason: string } {
  try {
    if (text.length > MAX_LENGTH) throw new FilterError(undefined, `longer than ${MAX_LENGTH} characters`);
    const tokens = tokenize(text);
    if (tokens.length === 0) throw new FilterError(text.length, 'empty');
    return { filter: new Parser(tokens, text.length).parse() };
  } catch (error) {
    if (!(error instanceof FilterError)) throw error;
    return { error: refusal(text, error), reason: error.message };
  }
}
