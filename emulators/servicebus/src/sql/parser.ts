import { SqlSyntaxError, tokenize, type Token } from './lexer.js';
import { systemProperty, systemPropertyNames } from './system-properties.js';
import type { ArithmeticOp, ComparisonOp, SqlValue } from './values.js';

export interface PropertyRef {
  readonly k: 'prop';
  readonly scope: 'sys' | 'user';
  readonly name: string;
}

export type Expr =
  | { readonly k: 'const'; readonly v: SqlValue }
  | PropertyRef
  | { readonly k: 'propertyOf'; readonly name: Expr }
  | { readonly k: 'newid' }
  | { readonly k: 'neg' | 'pos' | 'not'; readonly e: Expr }
  | { readonly k: 'arith'; readonly op: ArithmeticOp; readonly l: Expr; readonly r: Expr }
  | { readonly k: 'cmp'; readonly op: ComparisonOp; readonly l: Expr; readonly r: Expr }
  | { readonly k: 'and' | 'or'; readonly l: Expr; readonly r: Expr }
  | { readonly k: 'isNull'; readonly prop: Expr; readonly negated: boolean }
  | { readonly k: 'in'; readonly e: Expr; readonly list: readonly Expr[]; readonly negated: boolean }
  | { readonly k: 'like'; readonly e: Expr; readonly pattern: Expr; readonly escape: Expr | undefined; readonly negated: boolean }
  | { readonly k: 'exists'; readonly prop: PropertyRef };

export type ActionStatement =
  | { readonly k: 'set'; readonly prop: PropertyRef; readonly value: Expr }
  | { readonly k: 'remove'; readonly prop: PropertyRef };

const comparisons = new Set(['=', '<>', '<', '<=', '>', '>=']);

/** Recursive descent over one expression text; precedence OR < AND < NOT < predicate < + - < * / % < unary. */
class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  private get t(): Token {
    return this.tokens[this.i] as Token;
  }

  fail(details: string, token: Token = this.t): never {
    throw new SqlSyntaxError(token.column, token.kind === 'end' ? '<end>' : token.text, details);
  }

  private isOp(text: string): boolean {
    return this.t.kind === 'op' && this.t.text === text;
  }

  private isKeyword(text: string): boolean {
    return this.t.kind === 'keyword' && this.t.text === text;
  }

  expectOp(text: string): void {
    if (!this.isOp(text)) this.fail(`'${text}' expected`);
    this.i++;
  }

  atEnd(): boolean {
    return this.t.kind === 'end';
  }

  expectEnd(): void {
    if (!this.atEnd()) this.fail('unexpected token');
  }

  skipOp(text: string): boolean {
    if (!this.isOp(text)) return false;
    this.i++;
    return true;
  }

  keyword(text: string): boolean {
    if (!this.isKeyword(text)) return false;
    this.i++;
    return true;
  }

  condition(): Expr {
    let l = this.conjunction();
    while (this.keyword('OR')) l = { k: 'or', l, r: this.conjunction() };
    return l;
  }

  private conjunction(): Expr {
    let l = this.negation();
    while (this.keyword('AND')) l = { k: 'and', l, r: this.negation() };
    return l;
  }

  private negation(): Expr {
    if (this.keyword('NOT')) return { k: 'not', e: this.negation() };
    return this.predicate();
  }

  private predicate(): Expr {
    if (this.keyword('EXISTS')) {
      this.expectOp('(');
      const prop = this.property();
      this.expectOp(')');
      return { k: 'exists', prop };
    }
    const start = this.t;
    const l = this.additive();
    if (this.t.kind === 'op' && comparisons.has(this.t.text)) {
      const op = this.t.text as ComparisonOp;
      this.i++;
      return { k: 'cmp', op, l, r: this.additive() };
    }
    if (this.keyword('IS')) {
      if (l.k !== 'prop' && l.k !== 'propertyOf') this.fail('IS [NOT] NULL applies to a property', start);
      const negated = this.keyword('NOT');
      if (!this.keyword('NULL')) this.fail('NULL expected');
      return { k: 'isNull', prop: l, negated };
    }
    const negated = this.keyword('NOT');
    if (this.keyword('IN')) {
      this.expectOp('(');
      const list = [this.additive()];
      while (this.skipOp(',')) list.push(this.additive());
      this.expectOp(')');
      return { k: 'in', e: l, list, negated };
    }
    if (this.keyword('LIKE')) {
      const pattern = this.additive();
      const escape = this.keyword('ESCAPE') ? this.additive() : undefined;
      return { k: 'like', e: l, pattern, escape, negated };
    }
    if (negated) this.fail('IN or LIKE expected after NOT');
    return l;
  }

  private additive(): Expr {
    let l = this.multiplicative();
    while (this.isOp('+') || this.isOp('-')) {
      const op = this.t.text as ArithmeticOp;
      this.i++;
      l = { k: 'arith', op, l, r: this.multiplicative() };
    }
    return l;
  }

  private multiplicative(): Expr {
    let l = this.unary();
    while (this.isOp('*') || this.isOp('/') || this.isOp('%')) {
      const op = this.t.text as ArithmeticOp;
      this.i++;
      l = { k: 'arith', op, l, r: this.unary() };
    }
    return l;
  }

  private unary(): Expr {
    if (this.skipOp('-')) return { k: 'neg', e: this.unary() };
    if (this.skipOp('+')) return { k: 'pos', e: this.unary() };
    return this.primary();
  }

  private primary(): Expr {
    const t = this.t;
    if (this.skipOp('(')) {
      const inner = this.condition();
      this.expectOp(')');
      return inner;
    }
    switch (t.kind) {
      case 'string':
        this.i++;
        return { k: 'const', v: t.text };
      case 'integer': {
        this.i++;
        const v = BigInt(t.text);
        if (v > 9223372036854775807n) this.fail('integer constant out of the Int64 range', t);
        return { k: 'const', v };
      }
      case 'decimal':
        this.i++;
        return { k: 'const', v: Number(t.text) };
      case 'keyword':
        if (this.keyword('TRUE')) return { k: 'const', v: true };
        if (this.keyword('FALSE')) return { k: 'const', v: false };
        if (this.keyword('NULL')) return { k: 'const', v: null };
        return this.fail('an expression was expected');
      case 'ident':
        return this.identifierExpression();
      default:
        return this.fail('an expression was expected');
    }
  }

  private identifierExpression(): Expr {
    const t = this.t;
    const next = this.tokens[this.i + 1];
    if (next?.kind === 'op' && next.text === '(') {
      const fn = t.text.toLowerCase();
      this.i += 2;
      if (fn === 'newid') {
        this.expectOp(')');
        return { k: 'newid' };
      }
      if (fn === 'property' || fn === 'p') {
        const name = this.additive();
        this.expectOp(')');
        return { k: 'propertyOf', name };
      }
      return this.fail(`unknown function '${t.text}'`, t);
    }
    return this.property();
  }

  /** `[sys. | user.] name`; a sys name must be one Service Bus knows. */
  property(): PropertyRef {
    const first = this.t;
    if (first.kind !== 'ident') this.fail('a property name was expected');
    this.i++;
    const scope = first.text.toLowerCase();
    if ((scope === 'sys' || scope === 'user') && this.isOp('.')) {
      this.i++;
      const nameToken = this.t;
      if (nameToken.kind !== 'ident' && nameToken.kind !== 'keyword') this.fail('a property name was expected after the scope');
      this.i++;
      if (scope === 'sys') {
        const known = systemProperty(nameToken.text);
        if (!known) this.fail(`'sys.${nameToken.text}' is not a system property; known: ${systemPropertyNames.join(', ')}`, nameToken);
        return { k: 'prop', scope: 'sys', name: known.name };
      }
      return { k: 'prop', scope: 'user', name: nameToken.text };
    }
    if (this.isOp('.')) this.fail(`unknown scope '${first.text}'; use sys. or user.`, first);
    return { k: 'prop', scope: 'user', name: first.text };
  }
}

/** Parses a SQL filter expression; throws `SqlSyntaxError` naming the column. */
export function parseFilter(text: string): Expr {
  if (text.trim() === '') throw new SqlSyntaxError(1, '<end>', 'the filter expression is empty');
  const p = new Parser(tokenize(text));
  const expr = p.condition();
  p.expectEnd();
  return expr;
}

function writable(p: Parser, prop: PropertyRef): PropertyRef {
  if (prop.scope === 'sys' && !systemProperty(prop.name)?.field) p.fail(`'sys.${prop.name}' cannot be changed by an action`);
  return prop;
}

/** Parses a SQL rule action: `SET p = expr` and `REMOVE p`, separated by `;` or `,`. */
export function parseAction(text: string): ActionStatement[] {
  const p = new Parser(tokenize(text));
  const out: ActionStatement[] = [];
  while (!p.atEnd()) {
    if (p.keyword('SET')) {
      const prop = writable(p, p.property());
      p.expectOp('=');
      out.push({ k: 'set', prop, value: p.condition() });
    } else if (p.keyword('REMOVE')) {
      out.push({ k: 'remove', prop: writable(p, p.property()) });
    } else {
      p.fail('SET or REMOVE expected');
    }
    if (!p.skipOp(';')) p.skipOp(',');
  }
  if (out.length === 0) throw new SqlSyntaxError(1, '<end>', 'the action holds no SET or REMOVE statement');
  return out;
}
