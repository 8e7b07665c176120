/**
 * EDM typed property values: how they are parsed from a request body, stored,
 * compared and written back with their `odata.type` annotations.
 * Wire format: docs/protocols.md §4 (Table service JSON, minimal metadata).
 */
import { Errors } from '../errors.js';

/** One-letter storage codes for the EDM types (kept short: every row stores them). */
export type TypeCode = 'S' | 'I' | 'L' | 'D' | 'B' | 'T' | 'G' | 'X';

export const edmName: Record<TypeCode, string> = {
  S: 'Edm.String',
  I: 'Edm.Int32',
  L: 'Edm.Int64',
  D: 'Edm.Double',
  B: 'Edm.Boolean',
  T: 'Edm.DateTime',
  G: 'Edm.Guid',
  X: 'Edm.Binary',
};
const codeOf = new Map(Object.entries(edmName).map(([code, name]) => [name, code as TypeCode]));

/**
 * A stored value. Int64 is a canonical decimal string (beyond 2^53), DateTime a
 * normalised `YYYY-MM-DDTHH:MM:SS.fffffffZ` string (sorts as it compares),
 * Binary base64, Double a number or `NaN`/`Infinity`/`-Infinity`.
 */
export type Prop = readonly [TypeCode, string | number | boolean];
export type Props = Record<string, Prop>;

const int32Min = -2147483648;
const int32Max = 2147483647;
const int64Min = -(2n ** 63n);
const int64Max = 2n ** 63n - 1n;
const guidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const base64Pattern = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const dateTimePattern = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?(Z|[+-]\d{2}:\d{2})?$/;

/** Parses an OData DateTime into the normalised 7-digit form, or undefined. */
export function normaliseDateTime(text: string): string | undefined {
  const m = dateTimePattern.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s = '00', frac = '', zone = 'Z'] = m;
  const ms = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s}${zone}`);
  if (Number.isNaN(ms)) return undefined;
  const iso = new Date(ms).toISOString(); // always UTC, millisecond precision
  if (iso.length !== 24) return undefined; // years outside 0000-9999
  return `${iso.slice(0, 19)}.${frac.padEnd(7, '0')}Z`;
}

export function parseInt64(text: string): string | undefined {
  if (!/^-?\d{1,19}$/.test(text)) return undefined;
  const v = BigInt(text);
  return v < int64Min || v > int64Max ? undefined : v.toString();
}

const nonFinite: Record<string, string> = { NaN: 'NaN', INF: 'Infinity', Infinity: 'Infinity', '-INF': '-Infinity', '-Infinity': '-Infinity' };

/** Converts one JSON value with its optional annotation into a stored value. */
export function toProp(value: unknown, annotation: unknown): Prop | undefined {
  // The service stores no property for an unannotated null; a typed null (what the SDK sends for an
  // invalid Date or a non-finite number it cannot write) is refused.
  if (value === null) {
    if (annotation !== undefined) throw Errors.invalidInput('A property value of null cannot carry an odata.type annotation.');
    return undefined;
  }
  if (annotation === undefined) {
    if (typeof value === 'string') return ['S', value];
    if (typeof value === 'boolean') return ['B', value];
    if (typeof value === 'number') {
      return Number.isInteger(value) && value >= int32Min && value <= int32Max ? ['I', value] : ['D', value];
    }
    throw Errors.invalidInput('A property value is not a primitive value.');
  }
  const code = typeof annotation === 'string' ? codeOf.get(annotation) : undefined;
  if (!code) throw Errors.invalidInput(`Unknown type annotation ${JSON.stringify(annotation)}.`);
  const bad = () => Errors.invalidInput(`A value is not a valid ${edmName[code]}.`);
  switch (code) {
    case 'S':
      if (typeof value !== 'string') throw bad();
      return ['S', value];
    case 'B':
      if (typeof value === 'boolean') return ['B', value];
      // The service reads Boolean text case-insensitively ("TRUE", as spreadsheets write it).
      if (typeof value === 'string' && /^(?:true|false)$/i.test(value)) return ['B', value.toLowerCase() === 'true'];
      throw bad();
    case 'I': {
      const n = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < int32Min || n > int32Max) throw bad();
      return ['I', n];
    }
    case 'L': {
      const text = typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value;
      const v = typeof text === 'string' ? parseInt64(text) : undefined;
      if (v === undefined) throw bad();
      return ['L', v];
    }
    case 'D':
      if (typeof value === 'number') return ['D', value];
      if (typeof value === 'string' && nonFinite[value]) return ['D', nonFinite[value]];
      if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return ['D', Number(value)];
      throw bad();
    case 'T': {
      const v = typeof value === 'string' ? normaliseDateTime(value) : undefined;
      if (v === undefined) throw bad();
      return ['T', v];
    }
    case 'G':
      if (typeof value !== 'string' || !guidPattern.test(value)) throw bad();
      return ['G', value];
    case 'X':
      if (typeof value !== 'string' || !base64Pattern.test(value)) throw bad();
      return ['X', value];
  }
}

/** The JSON text of a stored value; whole Doubles keep a `.0` so clients read them as Double. */
export function valueJson(prop: Prop): string {
  const [code, v] = prop;
  if (code === 'D' && typeof v === 'number') return Number.isInteger(v) && Math.abs(v) < 1e21 ? `${v}.0` : JSON.stringify(v);
  if (code === 'T' && typeof v === 'string') return JSON.stringify(v);
  return JSON.stringify(v);
}

/** Whether minimal metadata carries an annotation for this value (JSON cannot tell its type). */
export function needsAnnotation(prop: Prop): boolean {
  const [code, v] = prop;
  return code === 'L' || code === 'T' || code === 'G' || code === 'X' || (code === 'D' && typeof v === 'string');
}

/** Size of a value as the service counts it towards the 1 MiB entity limit. */
export function valueSize(prop: Prop): number {
  const [code, v] = prop;
  switch (code) {
    case 'S':
      return 4 + String(v).length * 2;
    case 'X': {
      // Decoded bytes: base64 padding carries none, so 65,536 bytes count as 65,536 (the limit is inclusive).
      const text = String(v);
      const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
      return 4 + (text.length / 4) * 3 - padding;
    }
    case 'B':
      return 1;
    case 'I':
      return 4;
    case 'G':
      return 16;
    default:
      return 8;
  }
}

/** Largest string (UTF-16 code units) or binary (bytes) property value. */
export const maxValueBytes = 64 * 1024;
