import type { HubConnection } from '../../hub-connection.js';

/**
 * The OData subset Web PubSub's `filter` takes (docs/protocols.md §2):
 * `connectionId`, `userId`, `protocol` compared with eq, ne, lt, le, gt, ge
 * to a string literal ('…', '' for a quote) or null; `'g' in groups`;
 * `not`, `and`, `or` and parentheses. Pure: compiled once per request.
 */
export type ConnectionFilter = (conn: HubConnection) => boolean;

type Token = { kind: 'str'; value: string } | { kind: 'word'; value: string } | { kind: '(' | ')' };

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
      out.push({ kind: ch });
      i++;
    } else if (ch === "'") {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) throw new Error('a string literal is not closed');
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
      out.push({ kind: 'str', value });
    } else {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i));
      if (!m) throw new Error(`unexpected character ${JSON.stringify(ch)} at ${i}`);
      out.push({ kind: 'word', value: m[0] });
      i += m[0].length;
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
  constructor(private readonly tokens: Token[]) {}

  parse(): ConnectionFilter {
    const f = this.or(0);
    if (this.pos < this.tokens.length) throw new Error(`unexpected ${this.describe(this.tokens[this.pos])}`);
    return f;
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
    if (depth > MAX_DEPTH) throw new Error('the filter is nested too deeply');
    if (this.peekWord() === 'not') {
      this.pos++;
      const inner = this.unary(depth + 1);
      return (c) => !inner(c);
    }
    const t = this.tokens[this.pos];
    if (t?.kind === '(') {
      this.pos++;
      const inner = this.or(depth + 1);
      if (this.tokens[this.pos]?.kind !== ')') throw new Error(`expected ) but found ${this.describe(this.tokens[this.pos])}`);
      this.pos++;
      return inner;
    }
    return this.comparison();
  }

  private comparison(): ConnectionFilter {
    const first = this.tokens[this.pos++];
    if (first?.kind === 'str') {
      if (this.peekWord() !== 'in') throw new Error(`expected "in groups" after '${first.value}'`);
      this.pos++;
      if (this.peekWord() !== 'groups') throw new Error(`expected groups after in, found ${this.describe(this.tokens[this.pos])}`);
      this.pos++;
      const group = first.value;
      return (c) => c.groups?.has(group) ?? false;
    }
    if (first?.kind !== 'word' || !FIELDS.has(first.value.toLowerCase())) {
      throw new Error(`expected connectionId, userId, protocol or '<group>' in groups, found ${this.describe(first)}`);
    }
    const field = first.value.toLowerCase();
    const op = this.peekWord();
    if (!op || !COMPARE.has(op)) throw new Error(`expected eq, ne, lt, le, gt or ge after ${first.value}`);
    this.pos++;
    const value = this.tokens[this.pos++];
    let right: string | null;
    if (value?.kind === 'str') right = value.value;
    else if (value?.kind === 'word' && value.value.toLowerCase() === 'null') right = null;
    else throw new Error(`expected a string literal or null after ${op}, found ${this.describe(value)}`);
    return (c) => compare(op, fieldOf(c, field), right);
  }
}

export function compileFilter(text: string): { filter: ConnectionFilter } | { error: string } {
  if (text.length > MAX_LENGTH) return { error: `longer than ${MAX_LENGTH} characters` };
  try {
    const tokens = tokenize(text);
    if (tokens.length === 0) return { error: 'empty' };
    return { filter: new Parser(tokens).parse() };
  } catch (error) {
    return { error: (error as Error).message };
  }
}
