import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { fail, ok, type ErrorCode, type Result } from './errors.js';

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** A compiled TypeBox schema that answers coded results instead of throwing. */
export interface Validator<T> {
  check(value: unknown): value is T;
  validate(value: unknown): Result<T>;
}

export function compile<S extends TSchema>(schema: S, code: ErrorCode, what: string): Validator<Static<S>> {
  const compiled = TypeCompiler.Compile(schema);
  return {
    check: (value: unknown): value is Static<S> => compiled.Check(value),
    validate(value: unknown): Result<Static<S>> {
      if (compiled.Check(value)) return ok(value);
      const first = compiled.Errors(value).First();
      const where = first?.path ? ` at ${first.path}` : '';
      return fail(code, `invalid ${what}${where}: ${first?.message ?? 'does not match the schema'}`);
    },
  };
}

/** Finds a prototype-polluting key anywhere in a parsed JSON value. */
export function findForbiddenKey(value: unknown, depth = 0): string | undefined {
  if (depth > 32 || value === null || typeof value !== 'object') return undefined;
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.has(key)) return key;
    const nested = findForbiddenKey((value as Record<string, unknown>)[key], depth + 1);
    if (nested) return nested;
  }
  return undefined;
}

/** JSON.parse that never throws and reports the forbidden keys the raw text holds. */
export function parseJson(text: string): { ok: true; value: unknown } | { ok: false; reason: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : 'not JSON' };
  }
}
