/**
 * Values of the Service Bus SQL dialect and the operators over them.
 *
 * Service Bus evaluates with C# semantics: Int64 and Double numbers (an
 * integer constant is an Int64, `7 / 2` is 3), strings, booleans, DateTime
 * and null. Here an Int64 is a `bigint`, a Double a `number`. A property that
 * does not exist is *unknown* (`undefined`), which is not the same as null.
 */
export type SqlValue = null | boolean | string | bigint | number | Date;
/** `undefined` is SQL's unknown. */
export type Maybe = SqlValue | undefined;
/** Three-valued logic: true, false, or unknown. */
export type Truth = boolean | undefined;

/** A run-time failure of an expression (a filter exception in Service Bus). */
export class SqlEvaluationError extends Error {
  override readonly name = 'SqlEvaluationError';
}

function typeName(v: SqlValue): string {
  if (v === null) return 'null';
  if (typeof v === 'bigint') return 'Int64';
  if (typeof v === 'number') return 'Double';
  if (typeof v === 'boolean') return 'Boolean';
  if (typeof v === 'string') return 'String';
  return 'DateTime';
}

function isNumeric(v: SqlValue): v is bigint | number {
  return typeof v === 'bigint' || typeof v === 'number';
}

/** C#'s ToString for string concatenation. */
export function toText(v: SqlValue): string {
  if (v === null) return '';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (v instanceof Date) return v.toISOString();
  return String(v);
}

const int64 = (v: bigint) => BigInt.asIntN(64, v);

export type ArithmeticOp = '+' | '-' | '*' | '/' | '%';

export function arithmetic(op: ArithmeticOp, l: Maybe, r: Maybe): Maybe {
  if (l === undefined || r === undefined) return undefined;
  // C#: string + anything concatenates.
  if (op === '+' && (typeof l === 'string' || typeof r === 'string')) return toText(l) + toText(r);
  if (l === null || r === null) return null;
  if (!isNumeric(l) || !isNumeric(r)) {
    throw new SqlEvaluationError(`operator '${op}' cannot be applied to ${typeName(l)} and ${typeName(r)}`);
  }
  if (typeof l === 'bigint' && typeof r === 'bigint') {
    if ((op === '/' || op === '%') && r === 0n) throw new SqlEvaluationError('division by zero');
    switch (op) {
      case '+':
        return int64(l + r);
      case '-':
        return int64(l - r);
      case '*':
        return int64(l * r);
      case '/':
        return int64(l / r);
      case '%':
        return l % r;
    }
  }
  const a = Number(l);
  const b = Number(r);
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return a / b;
    case '%':
      return a % b;
  }
}

export function negate(v: Maybe): Maybe {
  if (v === undefined || v === null) return v;
  if (typeof v === 'bigint') return int64(-v);
  if (typeof v === 'number') return -v;
  throw new SqlEvaluationError(`unary '-' cannot be applied to ${typeName(v)}`);
}

export function unaryPlus(v: Maybe): Maybe {
  if (v === undefined || v === null || isNumeric(v)) return v;
  throw new SqlEvaluationError(`unary '+' cannot be applied to ${typeName(v)}`);
}

export type ComparisonOp = '=' | '<>' | '<' | '<=' | '>' | '>=';

/** Orders two non-null values of compatible types; undefined when they are not comparable. */
function order(l: SqlValue, r: SqlValue): number | undefined {
  if (isNumeric(l) && isNumeric(r)) {
    if (typeof l === 'bigint' && typeof r === 'bigint') return l < r ? -1 : l > r ? 1 : 0;
    const a = Number(l);
    const b = Number(r);
    return a < b ? -1 : a > b ? 1 : a === b ? 0 : undefined;
  }
  if (typeof l === 'string' && typeof r === 'string') return l < r ? -1 : l > r ? 1 : 0; // ordinal, as C#
  if (typeof l === 'boolean' && typeof r === 'boolean') return l === r ? 0 : undefined;
  if (l instanceof Date && r instanceof Date) return Math.sign(l.getTime() - r.getTime());
  return undefined;
}

/**
 * Comparison with unknown propagated (the documented rule) and C#'s lifted
 * semantics for null: `null = null` is true, any other comparison with null
 * is false. Values of unrelated types are unequal; ordering them is an error.
 */
export function compare(op: ComparisonOp, l: Maybe, r: Maybe): Truth {
  if (l === undefined || r === undefined) return undefined;
  if (l === null || r === null) {
    if (op === '=') return l === r;
    if (op === '<>') return l !== r;
    return false;
  }
  const c = order(l, r);
  if (op === '=') return c === 0;
  if (op === '<>') return c !== 0;
  // NaN orders with nothing; C# answers false.
  if (c === undefined && (typeof l === 'number' || typeof r === 'number') && isNumeric(l) && isNumeric(r)) return false;
  if (c === undefined || (typeof l === 'boolean' && typeof r === 'boolean')) {
    throw new SqlEvaluationError(`operator '${op}' cannot compare ${typeName(l)} and ${typeName(r)}`);
  }
  switch (op) {
    case '<':
      return c < 0;
    case '<=':
      return c <= 0;
    case '>':
      return c > 0;
    case '>=':
      return c >= 0;
  }
}

export function and(l: Truth, r: () => Truth): Truth {
  if (l === false) return false;
  const rv = r();
  if (rv === false) return false;
  return l === true && rv === true ? true : undefined;
}

export function or(l: Truth, r: () => Truth): Truth {
  if (l === true) return true;
  const rv = r();
  if (rv === true) return true;
  return l === false && rv === false ? false : undefined;
}

export function not(v: Truth): Truth {
  return v === undefined ? undefined : !v;
}

/** A predicate operand: booleans (and unknown) only; null is unknown, as in SQL. */
export function truthOf(v: Maybe): Truth {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'boolean') return v;
  throw new SqlEvaluationError(`a ${typeName(v)} value is not a condition`);
}

/** Compiled LIKE patterns: a rule's pattern is usually a constant, evaluated for every message. */
const likeCache = new Map<string, RegExp>();
const likeCacheLimit = 1000;

/** `%` is any run of characters, `_` any one; the escape character makes the next one literal. */
export function likeMatcher(pattern: string, escape: string | undefined): RegExp {
  const key = `${escape ?? ''}\u0000${pattern}`;
  let re = likeCache.get(key);
  if (!re) {
    re = compileLike(pattern, escape);
    if (likeCache.size >= likeCacheLimit) likeCache.clear();
    likeCache.set(key, re);
  }
  return re;
}

function compileLike(pattern: string, escape: string | undefined): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] as string;
    if (escape !== undefined && ch === escape) {
      const next = pattern[++i];
      if (next === undefined) throw new SqlEvaluationError(`the LIKE pattern '${pattern}' ends with its escape character`);
      source += next.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    } else if (ch === '%') source += '.*';
    else if (ch === '_') source += '.';
    else source += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's');
}

export function like(value: Maybe, pattern: Maybe, escape: Maybe | null): Truth {
  if (value === undefined || pattern === undefined || escape === undefined) return undefined;
  if (value === null || pattern === null) return undefined;
  if (typeof value !== 'string' || typeof pattern !== 'string') {
    throw new SqlEvaluationError('LIKE needs a string value and a string pattern');
  }
  if (escape !== null && (typeof escape !== 'string' || escape.length !== 1)) {
    throw new SqlEvaluationError('the ESCAPE character must be a string of length 1');
  }
  return likeMatcher(pattern, escape ?? undefined).test(value);
}
