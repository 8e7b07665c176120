import { randomUUID } from 'node:crypto';
import type { Expr, PropertyRef } from './parser.js';
import { systemProperty, type SystemView } from './system-properties.js';
import {
  and,
  arithmetic,
  compare,
  like,
  negate,
  not,
  or,
  SqlEvaluationError,
  truthOf,
  unaryPlus,
  type Maybe,
  type Truth,
} from './values.js';

/** The message as a filter or action sees it. */
export interface PropertySource {
  readonly system: SystemView;
  /** An application property by name (case-insensitive); undefined when absent. */
  user(name: string): Maybe;
}

function readProperty(src: PropertySource, scope: 'sys' | 'user', name: string): Maybe {
  if (scope === 'user') return src.user(name);
  const p = systemProperty(name);
  if (!p) throw new SqlEvaluationError(`'sys.${name}' is not a system property`);
  return p.read(src.system);
}

/** `property('sys.Label')`, `property('color')`, `property('user.color')`. */
function referenceOf(name: Maybe): { scope: 'sys' | 'user'; name: string } | undefined {
  if (name === undefined || name === null) return undefined;
  if (typeof name !== 'string') throw new SqlEvaluationError('property(name) needs a string name');
  const dot = name.indexOf('.');
  const scope = dot > 0 ? name.slice(0, dot).toLowerCase() : '';
  if (scope === 'sys' || scope === 'user') return { scope, name: name.slice(dot + 1) };
  return { scope: 'user', name };
}

/** Evaluates an expression to a value; unknown is `undefined`. */
export function evaluate(e: Expr, src: PropertySource): Maybe {
  switch (e.k) {
    case 'const':
      return e.v;
    case 'prop':
      return readProperty(src, e.scope, e.name);
    case 'propertyOf': {
      const ref = referenceOf(evaluate(e.name, src));
      return ref ? readProperty(src, ref.scope, ref.name) : undefined;
    }
    case 'newid':
      return randomUUID();
    case 'neg':
      return negate(evaluate(e.e, src));
    case 'pos':
      return unaryPlus(evaluate(e.e, src));
    case 'arith':
      return arithmetic(e.op, evaluate(e.l, src), evaluate(e.r, src));
    default: {
      const t = test(e, src);
      return t === undefined ? undefined : t;
    }
  }
}

function exists(prop: PropertyRef, src: PropertySource): boolean {
  return readProperty(src, prop.scope, prop.name) !== undefined;
}

/** Evaluates a condition with three-valued logic: true, false or unknown (undefined). */
export function test(e: Expr, src: PropertySource): Truth {
  switch (e.k) {
    case 'cmp':
      return compare(e.op, evaluate(e.l, src), evaluate(e.r, src));
    case 'and':
      return and(test(e.l, src), () => test(e.r, src));
    case 'or':
      return or(test(e.l, src), () => test(e.r, src));
    case 'not':
      return not(test(e.e, src));
    case 'isNull': {
      const v = evaluate(e.prop, src);
      const isNull = v === undefined || v === null;
      return e.negated ? !isNull : isNull;
    }
    case 'exists':
      return exists(e.prop, src);
    case 'in': {
      const v = evaluate(e.e, src);
      if (v === undefined) return undefined;
      const found = e.list.some((item) => compare('=', v, evaluate(item, src)) === true);
      return e.negated ? !found : found;
    }
    case 'like': {
      const escape = e.escape ? evaluate(e.escape, src) : null;
      const matched = like(evaluate(e.e, src), evaluate(e.pattern, src), escape);
      return e.negated ? not(matched) : matched;
    }
    default:
      return truthOf(evaluate(e, src));
  }
}

/** A filter selects a message only when its condition is true (not false, not unknown). */
export function matches(filter: Expr, src: PropertySource): boolean {
  return test(filter, src) === true;
}
