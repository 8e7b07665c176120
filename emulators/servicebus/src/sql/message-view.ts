import { parseMessage, withApplicationProperties, withPropertyFields, type ParsedMessage, type PropertyFieldName } from '../amqp/codec.js';
import { types, type Typed } from '../amqp/rhea.js';
import { evaluate, type PropertySource } from './evaluate.js';
import type { ActionStatement } from './parser.js';
import { systemProperty } from './system-properties.js';
import { toText, type Maybe, type SqlValue } from './values.js';

const integerTypes = new Set(['Byte', 'Ubyte', 'Short', 'Ushort', 'Int', 'SmallInt', 'Uint', 'SmallUint', 'Uint0', 'Long', 'SmallLong', 'Ulong', 'SmallUlong', 'Ulong0']);

function uuidText(b: Buffer): string {
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** An AMQP application-property value as a SQL value (Int64, Double, String, Boolean, DateTime). */
export function sqlValueOf(t: Typed | undefined): SqlValue {
  const v: unknown = t?.value;
  const type = (t as { type?: { name?: string } } | undefined)?.type?.name ?? '';
  if (v === null || v === undefined) return null;
  if (integerTypes.has(type)) return Buffer.isBuffer(v) ? (type.startsWith('U') ? v.readBigUInt64BE() : v.readBigInt64BE()) : BigInt(v as number);
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean' || typeof v === 'string') return v;
  if (v instanceof Date) return v;
  if (type === 'Uuid' && Buffer.isBuffer(v)) return uuidText(v);
  return Buffer.isBuffer(v) ? v.toString('hex') : String(v);
}

/** The AMQP encoding of a value an action SETs. */
function typedOf(v: SqlValue): Typed {
  if (typeof v === 'bigint') return types.wrap_long(Number(v));
  if (typeof v === 'number') return types.wrap_double(v);
  if (v instanceof Date) return types.wrap_timestamp(v.getTime());
  return types.wrap(v);
}

function findKey(m: ParsedMessage, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (let i = 0; i + 1 < m.applicationProperties.length; i += 2) {
    const key = m.applicationProperties[i]?.value;
    if (typeof key === 'string' && key.toLowerCase() === lower) return key;
  }
  return undefined;
}

/** What a filter sees of a message about to be enqueued with `seq` at `enqueuedAt`. */
export function propertySource(m: ParsedMessage, seq: number, enqueuedAt: number): PropertySource {
  return {
    system: { ...m, sequenceNumber: seq, enqueuedAt, size: m.raw.length },
    user(name) {
      const key = findKey(m, name);
      if (key === undefined) return undefined;
      for (let i = 0; i + 1 < m.applicationProperties.length; i += 2) {
        if (m.applicationProperties[i]?.value === key) return sqlValueOf(m.applicationProperties[i + 1]);
      }
      return undefined;
    },
  };
}

/**
 * Runs a rule action on a message and returns the changed copy. Statements
 * run in order, each seeing the changes of the ones before. Setting a
 * property to an unknown value stores null.
 */
export function applyAction(m: ParsedMessage, statements: readonly ActionStatement[], seq: number, enqueuedAt: number): ParsedMessage {
  let current = m;
  for (const s of statements) {
    const value: Maybe = s.k === 'set' ? evaluate(s.value, propertySource(current, seq, enqueuedAt)) : undefined;
    if (s.prop.scope === 'sys') {
      const field = systemProperty(s.prop.name)?.field as PropertyFieldName;
      current = withPropertyFields(current, { [field]: value === undefined || value === null ? null : toText(value) });
      continue;
    }
    const key = findKey(current, s.prop.name) ?? s.prop.name;
    const change = s.k === 'set' ? typedOf(value ?? null) : undefined;
    current = parseMessage(withApplicationProperties(current, { [key]: change }));
  }
  return current;
}
