/** Tokens of the Service Bus SQL filter and action grammar. */

export type TokenKind = 'ident' | 'keyword' | 'string' | 'integer' | 'decimal' | 'op' | 'end';

export interface Token {
  readonly kind: TokenKind;
  /** Keywords upper-cased; identifiers and strings unquoted. */
  readonly text: string;
  /** 1-based column of the first character. */
  readonly column: number;
}

const keywords = new Set([
  'AND', 'OR', 'NOT', 'IS', 'NULL', 'IN', 'LIKE', 'ESCAPE', 'EXISTS', 'TRUE', 'FALSE', 'SET', 'REMOVE',
]);

const operators = ['<>', '!=', '>=', '<=', '=', '<', '>', '+', '-', '*', '/', '%', '(', ')', ',', '.', ';'];

/** A syntax error with the column Service Bus's own messages name. */
export class SqlSyntaxError extends Error {
  override readonly name = 'SqlSyntaxError';
  constructor(
    readonly column: number,
    readonly near: string,
    readonly details: string,
  ) {
    super(`syntax error at column ${column} near '${near}': ${details}`);
  }
}

const isLetter = (ch: string) => /\p{L}/u.test(ch);
const isIdentPart = (ch: string) => /[\p{L}\p{Nd}_]/u.test(ch);
const isDigit = (ch: string) => ch >= '0' && ch <= '9';

/** Reads up to `close`, where a doubled `close` stands for one. */
function quoted(text: string, start: number, close: string): { value: string; end: number } {
  let value = '';
  let i = start + 1;
  for (;;) {
    if (i >= text.length) throw new SqlSyntaxError(start + 1, text.slice(start, start + 10), `unterminated ${close === "'" ? 'string' : 'identifier'}`);
    const ch = text[i] as string;
    if (ch === close) {
      if (text[i + 1] === close) {
        value += close;
        i += 2;
        continue;
      }
      return { value, end: i + 1 };
    }
    value += ch;
    i++;
  }
}

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    const column = i + 1;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === "'") {
      const { value, end } = quoted(text, i, "'");
      tokens.push({ kind: 'string', text: value, column });
      i = end;
      continue;
    }
    if (ch === '"' || ch === '[') {
      const { value, end } = quoted(text, i, ch === '"' ? '"' : ']');
      if (value === '') throw new SqlSyntaxError(column, ch, 'an identifier cannot be empty');
      tokens.push({ kind: 'ident', text: value, column });
      i = end;
      continue;
    }
    if (isDigit(ch) || (ch === '.' && isDigit(text[i + 1] ?? ''))) {
      const match = /^(\d*\.?\d*)([eE][+-]?\d+)?/.exec(text.slice(i)) as RegExpExecArray;
      const literal = match[0];
      if (/[eE]$/.test(literal) || (match[0].endsWith('.') && !/\d/.test(literal))) throw new SqlSyntaxError(column, literal, 'malformed number');
      const decimal = literal.includes('.') || match[2] !== undefined;
      tokens.push({ kind: decimal ? 'decimal' : 'integer', text: literal, column });
      i += literal.length;
      if (isLetter(text[i] ?? '')) throw new SqlSyntaxError(i + 1, text.slice(column - 1, i + 1), 'malformed number');
      continue;
    }
    if (isLetter(ch)) {
      let j = i + 1;
      while (j < text.length && isIdentPart(text[j] as string)) j++;
      const word = text.slice(i, j);
      const upper = word.toUpperCase();
      tokens.push(keywords.has(upper) ? { kind: 'keyword', text: upper, column } : { kind: 'ident', text: word, column });
      i = j;
      continue;
    }
    const op = operators.find((o) => text.startsWith(o, i));
    if (!op) {
      const details = ch === '@' ? 'SQL parameters (@name) are not supported over AMQP; write the value into the expression' : 'unrecognized character';
      throw new SqlSyntaxError(column, ch, details);
    }
    tokens.push({ kind: 'op', text: op === '!=' ? '<>' : op, column });
    i += op.length;
  }
  tokens.push({ kind: 'end', text: '', column: text.length + 1 });
  return tokens;
}
