/**
 * OData `$filter` as the Table service accepts it: comparisons (eq ne gt ge lt
 * le), and / or / not, parentheses and typed literals — 'strings' with '',
 * datetime'…', guid'…', X'…' / binary'…', 123L (Int64), doubles, true/false.
 * The parser only builds a tree; nothing here becomes SQL text.
 */
import { Errors } from '../errors.js';
import { normaliseDateTime, parseInt64, type Prop } from '../model/edm.js';

export type CmpOp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';
export type Operand = { kind: 'prop'; name: string } | { kind: 'lit'; value: Prop };
export type FilterNode =
  | { kind: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { kind: 'not'; expr: FilterNode }
  | { kind: 'cmp'; op: CmpOp; left: Operand; right: Operand }
  | Operand;

type Token = { t: '(' | ')' } | { t: 'str'; v: string } | { t: 'typed'; prefix: string; v: string } | { t: 'num'; v: string } | { t: 'id'; v: string };

const maxFilterChars = 32 * 1024;
const maxDepth = 100;
const ops = new Set<string>(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);
const numberPattern = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[LlDdFfMm]?/;
const identPattern = /^[\p{L}_][\p{L}\p{N}_.]*/u;

function lex(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      i++;
    } else if (c === '(' || c === ')') {
      tokens.push({ t: c });
      i++;
    } else if (c === "'") {
      const [v, end] = quoted(text, i);
      tokens.push({ t: 'str', v });
      i = end;
    } else {
      const rest = text.slice(i);
      const num = numberPattern.exec(rest);
      if (num && (c === '-' || c === '.' || (c >= '0' && c <= '9'))) {
        tokens.push({ t: 'num', v: num[0] });
        i += num[0].length;
        continue;
      }
      const id = identPattern.exec(rest);
      if (!id) throw Errors.badQuery();
      i += id[0].length;
      if (text[i] === "'") {
        const [v, end] = quoted(text, i);
        tokens.push({ t: 'typed', prefix: id[0], v });
        i = end;
      } else {
        tokens.push({ t: 'id', v: id[0] });
      }
    }
  }
  return tokens;
}

/** Reads a '…' literal starting at `start` ('' is an escaped quote); returns the text and the index after it. */
function quoted(text: string, start: number): [string, number] {
  let out = '';
  let i = start + 1;
  for (;;) {
    const q = text.indexOf("'", i);
    if (q < 0) throw Errors.badQuery();
    out += text.slice(i, q);
    if (text[q + 1] === "'") {
      out += "'";
      i = q + 2;
    } else {
      return [out, q + 1];
    }
  }
}

function typedLiteral(prefix: string, v: string): Prop {
  const p = prefix.toLowerCase();
  if (p === 'datetime') {
    const d = normaliseDateTime(v);
    if (d) return ['T', d];
  } else if (p === 'guid') {
    if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v)) return ['G', v];
  } else if (p === 'x' || p === 'binary') {
    if (/^(?:[0-9a-f]{2})*$/i.test(v)) return ['X', Buffer.from(v, 'hex').toString('base64')];
  }
  throw Errors.badQuery();
}

function numberLiteral(text: string): Prop {
  const suffix = text.at(-1)!;
  if (suffix === 'L' || suffix === 'l') {
    const v = parseInt64(text.slice(0, -1));
    if (v === undefined) throw Errors.badQuery();
    return ['L', v];
  }
  const body = /[DdFfMm]$/.test(suffix) ? text.slice(0, -1) : text;
  const n = Number(body);
  if (!Number.isFinite(n)) throw Errors.badQuery();
  if (/^-?\d+$/.test(body) && body === text) {
    if (n >= -2147483648 && n <= 2147483647) return ['I', n];
    const big = parseInt64(body);
    if (big === undefined) throw Errors.badQuery();
    return ['L', big];
  }
  return ['D', n];
}

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): FilterNode {
    const node = booleanValued(this.or(0));
    if (this.i !== this.tokens.length) throw Errors.badQuery();
    return node;
  }

  private peekWord(): string | undefined {
    const t = this.tokens[this.i];
    return t?.t === 'id' ? t.v : undefined;
  }

  private or(depth: number): FilterNode {
    let left = this.and(depth);
    while (this.peekWord() === 'or') {
      this.i++;
      left = { kind: 'or', left: booleanValued(left), right: booleanValued(this.and(depth)) };
    }
    return left;
  }

  private and(depth: number): FilterNode {
    let left = this.unary(depth);
    while (this.peekWord() === 'and') {
      this.i++;
      left = { kind: 'and', left: booleanValued(left), right: booleanValued(this.unary(depth)) };
    }
    return left;
  }

  private unary(depth: number): FilterNode {
    if (depth > maxDepth) throw Errors.badQuery();
    if (this.peekWord() === 'not') {
      this.i++;
      return { kind: 'not', expr: booleanValued(this.unary(depth + 1)) };
    }
    return this.comparison(depth);
  }

  private comparison(depth: number): FilterNode {
    const left = this.primary(depth);
    const word = this.peekWord();
    if (word && ops.has(word)) {
      this.i++;
      const right = this.primary(depth);
      if (!isOperand(left) || !isOperand(right)) throw Errors.badQuery();
      return { kind: 'cmp', op: word as CmpOp, left, right };
    }
    return left;
  }

  private primary(depth: number): FilterNode {
    const t = this.tokens[this.i++];
    if (!t) throw Errors.badQuery();
    switch (t.t) {
      case '(': {
        const inner = this.or(depth + 1);
        if (this.tokens[this.i++]?.t !== ')') throw Errors.badQuery();
        return inner;
      }
      case 'str':
        return { kind: 'lit', value: ['S', t.v] };
      case 'typed':
        return { kind: 'lit', value: typedLiteral(t.prefix, t.v) };
      case 'num':
        return { kind: 'lit', value: numberLiteral(t.v) };
      case 'id':
        // The service reads Boolean literals case-insensitively (`True`, `FALSE`), unlike OData's grammar.
        if (/^(?:true|false)$/i.test(t.v)) return { kind: 'lit', value: ['B', t.v.toLowerCase() === 'true'] };
        if (ops.has(t.v) || t.v === 'and' || t.v === 'or' || t.v === 'not') throw Errors.badQuery();
        return { kind: 'prop', name: t.v };
      default:
        throw Errors.badQuery();
    }
  }
}

/**
 * A condition must be able to yield a Boolean: a comparison, a logical
 * operator, a property (a Boolean one at run time) or true/false. A literal of
 * another type (`(1)`, `'a' and …`) is a malformed query, not a match of nothing.
 */
function booleanValued(n: FilterNode): FilterNode {
  if (n.kind === 'lit' && n.value[0] !== 'B') throw Errors.badQuery();
  return n;
}

function isOperand(n: FilterNode): n is Operand {
  return n.kind === 'prop' || n.kind === 'lit';
}

/** Parses a `$filter`; any malformed input is the service's 400 InvalidInput. */
export function parseFilter(text: string): FilterNode {
  if (text.length > maxFilterChars) throw Errors.badQuery();
  const tokens = lex(text);
  if (tokens.length === 0) throw Errors.badQuery();
  return new Parser(tokens).parse();
}
