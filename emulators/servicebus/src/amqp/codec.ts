import { BrokerError, Condition } from '../errors.js';
import { types, type Typed } from './rhea.js';

/** Section descriptors of an AMQP 1.0 message (numeric codes). */
const Section = {
  header: 0x70,
  deliveryAnnotations: 0x71,
  messageAnnotations: 0x72,
  properties: 0x73,
  applicationProperties: 0x74,
  data: 0x75,
  footer: 0x78,
} as const;

const symbolicSections: Record<string, number> = {
  'amqp:header:list': 0x70,
  'amqp:delivery-annotations:map': 0x71,
  'amqp:message-annotations:map': 0x72,
  'amqp:properties:list': 0x73,
  'amqp:application-properties:map': 0x74,
  'amqp:data:binary': 0x75,
  'amqp:amqp-sequence:list': 0x76,
  'amqp:value:*': 0x77,
  'amqp:footer:map': 0x78,
};

/** Annotations the broker owns: whatever a client put there is replaced. */
const brokerAnnotations = new Set([
  'x-opt-sequence-number',
  'x-opt-enqueued-time',
  'x-opt-locked-until',
  'x-opt-message-state',
  'x-opt-deadletter-source',
  'x-opt-enqueue-sequence-number',
]);

/** What the broker reads from one message; the bytes stay the source of truth. */
export interface ParsedMessage {
  readonly raw: Buffer;
  /** Offset of the first section after the annotations: delivered verbatim. */
  readonly bareStart: number;
  readonly durable: boolean;
  readonly priority: number | undefined;
  readonly ttl: number | undefined;
  /** Client annotations (flat key, value list) without broker-owned keys. */
  readonly annotations: readonly Typed[];
  readonly scheduledEnqueueTime: number | undefined;
  readonly messageId: unknown;
  readonly to: unknown;
  readonly subject: unknown;
  readonly replyTo: unknown;
  readonly correlationId: unknown;
  readonly contentType: unknown;
  readonly sessionId: string | undefined;
  readonly replyToSessionId: unknown;
  /** Application properties as a flat key, value list of typed values. */
  readonly applicationProperties: readonly Typed[];
  /** [start, end) of the application-properties section, if any. */
  readonly appPropsRange: readonly [number, number] | undefined;
  /** The properties section's fields and [start, end), if any. */
  readonly properties: readonly Typed[];
  readonly propsRange: readonly [number, number] | undefined;
}

function sectionCode(section: Typed): number {
  const d = (section as unknown as { descriptor?: { value: unknown } }).descriptor?.value;
  if (typeof d === 'number') return d;
  if (typeof d === 'string') return symbolicSections[d] ?? -1;
  return -1;
}

function listItems(section: Typed): Typed[] {
  return Array.isArray(section.value) ? (section.value as Typed[]) : [];
}

function valueAt(items: Typed[], index: number): unknown {
  const v = items[index]?.value;
  return v === null ? undefined : v;
}

function timeOf(v: unknown): number | undefined {
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'number') return v;
  return undefined;
}

/** Parses an encoded message; a malformed one is an `amqp:decode-error`. */
export function parseMessage(raw: Buffer): ParsedMessage {
  try {
    return parseUnchecked(raw);
  } catch (err) {
    if (err instanceof BrokerError) throw err;
    throw new BrokerError(Condition.decodeError, `malformed message: ${(err as Error).message}`);
  }
}

function parseUnchecked(raw: Buffer): ParsedMessage {
  const reader = new types.Reader(raw);
  let header: Typed[] = [];
  let props: Typed[] = [];
  let annotations: Typed[] = [];
  let appProps: Typed[] = [];
  let appPropsRange: [number, number] | undefined;
  let propsRange: [number, number] | undefined;
  let bareStart = -1;
  let sawBody = false;
  while (reader.remaining() > 0) {
    const start = reader.position;
    const section = reader.read();
    const code = sectionCode(section);
    if (code < Section.header || code > Section.footer) {
      throw new BrokerError(Condition.decodeError, `malformed message: unknown section at byte ${start}`);
    }
    if (code >= Section.properties && bareStart < 0) bareStart = start;
    if (code === Section.header) header = listItems(section);
    else if (code === Section.messageAnnotations) annotations = listItems(section);
    else if (code === Section.properties) {
      props = listItems(section);
      propsRange = [start, reader.position];
    }
    else if (code === Section.applicationProperties) {
      appProps = listItems(section);
      appPropsRange = [start, reader.position];
    } else if (code >= Section.data && code < Section.footer) sawBody = true;
  }
  if (!sawBody) throw new BrokerError(Condition.decodeError, 'malformed message: no body section');
  const kept: Typed[] = [];
  let scheduled: number | undefined;
  for (let i = 0; i + 1 < annotations.length; i += 2) {
    const key = String(annotations[i]?.value);
    if (brokerAnnotations.has(key)) continue;
    if (key === 'x-opt-scheduled-enqueue-time') scheduled = timeOf(annotations[i + 1]?.value);
    kept.push(annotations[i] as Typed, annotations[i + 1] as Typed);
  }
  const groupId = valueAt(props, 10);
  return {
    raw,
    bareStart: bareStart < 0 ? raw.length : bareStart,
    durable: valueAt(header, 0) === true,
    priority: valueAt(header, 1) as number | undefined,
    ttl: valueAt(header, 2) as number | undefined,
    annotations: kept,
    scheduledEnqueueTime: scheduled,
    messageId: valueAt(props, 0),
    to: valueAt(props, 2),
    subject: valueAt(props, 3),
    replyTo: valueAt(props, 4),
    correlationId: valueAt(props, 5),
    contentType: valueAt(props, 6),
    sessionId: typeof groupId === 'string' ? groupId : undefined,
    replyToSessionId: valueAt(props, 12),
    applicationProperties: appProps,
    appPropsRange,
    properties: props,
    propsRange,
  };
}

/** Indexes of the AMQP properties section's fields that the broker rewrites. */
export const PropertyField = {
  messageId: 0,
  to: 2,
  subject: 3,
  replyTo: 4,
  correlationId: 5,
  contentType: 6,
  sessionId: 10,
  replyToSessionId: 12,
} as const;
export type PropertyFieldName = keyof typeof PropertyField;

/**
 * Returns the message with fields of its properties section replaced (a
 * rule action's SET/REMOVE on a system property). `null` clears a field.
 */
export function withPropertyFields(m: ParsedMessage, changes: Partial<Record<PropertyFieldName, string | null>>): ParsedMessage {
  const fields: unknown[] = m.properties.length > 0 ? [...m.properties] : [];
  for (const [name, value] of Object.entries(changes) as [PropertyFieldName, string | null][]) {
    const index = PropertyField[name];
    while (fields.length <= index) fields.push(null);
    fields[index] = value === null ? null : types.wrap_string(value);
  }
  while (fields.length > 0 && (fields[fields.length - 1] === null || (fields[fields.length - 1] as Typed | undefined)?.value === null)) fields.pop();
  const writer = new types.Writer();
  writer.write(types.described(types.wrap_ulong(Section.properties), types.wrap_list(fields.length > 0 ? fields : [null])));
  const section = writer.toBuffer();
  const [start, end] = m.propsRange ?? [m.bareStart, m.bareStart];
  return parseMessage(Buffer.concat([m.raw.subarray(0, start), section, m.raw.subarray(end)]));
}

/**
 * Gives a message without a message-id one, as Service Bus does (the SDK
 * files auto-renewed locks by message id).
 */
export function withMessageId(m: ParsedMessage, id: string): ParsedMessage {
  const fields: unknown[] = m.properties.length > 0 ? [...m.properties] : [null];
  fields[0] = types.wrap_string(id);
  const writer = new types.Writer();
  writer.write(types.described(types.wrap_ulong(Section.properties), types.wrap_list(fields)));
  const section = writer.toBuffer();
  const [start, end] = m.propsRange ?? [m.bareStart, m.bareStart];
  // Splice the section in and shift the offsets after it, instead of parsing again.
  const delta = section.length - (end - start);
  const shift = (r: readonly [number, number] | undefined) => (r ? ([r[0] + delta, r[1] + delta] as const) : undefined);
  return {
    ...m,
    raw: Buffer.concat([m.raw.subarray(0, start), section, m.raw.subarray(end)]),
    messageId: id,
    properties: listItems(types.wrap_list(fields)),
    propsRange: [start, start + section.length],
    appPropsRange: shift(m.appPropsRange),
  };
}

/** Broker-owned annotations added to each delivery. */
export interface DeliveryAnnotations {
  sequenceNumber: number;
  enqueuedTime: number;
  lockedUntil?: number;
  state?: 'active' | 'deferred' | 'scheduled';
  deadLetterSource?: string;
}

const stateCode = { active: 0, deferred: 1, scheduled: 2 } as const;

/**
 * Encodes a message as the broker hands it out: a fresh header (with the
 * delivery count), the client's annotations plus the broker's, then the
 * properties, application properties and body exactly as received.
 */
export function encodeForDelivery(m: ParsedMessage, deliveryCount: number, extra: DeliveryAnnotations): Buffer {
  const writer = new types.Writer();
  writer.write(
    types.described(
      types.wrap_ulong(Section.header),
      types.wrap_list([
        m.durable,
        m.priority === undefined ? null : types.Ubyte(m.priority),
        m.ttl === undefined ? null : types.Uint(m.ttl),
        false,
        types.Uint(deliveryCount),
      ]),
    ),
  );
  const entries: Typed[] = [
    types.wrap_symbol('x-opt-sequence-number'),
    types.wrap_long(extra.sequenceNumber),
    types.wrap_symbol('x-opt-enqueued-time'),
    types.wrap_timestamp(extra.enqueuedTime),
  ];
  if (extra.lockedUntil !== undefined) {
    entries.push(types.wrap_symbol('x-opt-locked-until'), types.wrap_timestamp(extra.lockedUntil));
  }
  if (extra.state !== undefined && extra.state !== 'active') {
    entries.push(types.wrap_symbol('x-opt-message-state'), types.wrap_int(stateCode[extra.state]));
  }
  if (extra.deadLetterSource !== undefined) {
    entries.push(types.wrap_symbol('x-opt-deadletter-source'), types.wrap_string(extra.deadLetterSource));
  }
  entries.push(...m.annotations);
  writer.write(types.described(types.wrap_ulong(Section.messageAnnotations), mapOf(entries)));
  const head = writer.toBuffer();
  return Buffer.concat([head, m.raw.subarray(m.bareStart)]);
}

function mapOf(entries: Typed[]): Typed {
  // A Map32 typed value takes the flat [key, value, ...] list rhea reads back.
  return types.Map32(entries);
}

/**
 * Returns the message bytes with application properties replaced or added
 * (dead-letter reason and description, properties to modify on settlement).
 */
export function withApplicationProperties(m: ParsedMessage, changes: Record<string, unknown>): Buffer {
  const keys = new Set(Object.keys(changes));
  if (keys.size === 0) return m.raw;
  const entries: Typed[] = [];
  for (let i = 0; i + 1 < m.applicationProperties.length; i += 2) {
    if (keys.has(String(m.applicationProperties[i]?.value))) continue;
    entries.push(m.applicationProperties[i] as Typed, m.applicationProperties[i + 1] as Typed);
  }
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) continue;
    entries.push(types.wrap_string(key), types.wrap(value));
  }
  const writer = new types.Writer();
  writer.write(types.described(types.wrap_ulong(Section.applicationProperties), mapOf(entries)));
  const section = writer.toBuffer();
  if (m.appPropsRange) {
    const [start, end] = m.appPropsRange;
    return Buffer.concat([m.raw.subarray(0, start), section, m.raw.subarray(end)]);
  }
  // No such section yet: it goes right after properties, before the body.
  const reader = new types.Reader(m.raw);
  let insertAt = m.raw.length;
  while (reader.remaining() > 0) {
    const start = reader.position;
    if (sectionCode(reader.read()) >= Section.data) {
      insertAt = start;
      break;
    }
  }
  return Buffer.concat([m.raw.subarray(0, insertAt), section, m.raw.subarray(insertAt)]);
}

/** Splits a batch transfer (message format 0x80013700) into its encoded messages. */
export function splitBatch(raw: Buffer): Buffer[] {
  const out: Buffer[] = [];
  try {
    const reader = new types.Reader(raw);
    while (reader.remaining() > 0) {
      const section = reader.read();
      if (sectionCode(section) === Section.data && Buffer.isBuffer(section.value)) out.push(section.value);
    }
  } catch (err) {
    throw new BrokerError(Condition.decodeError, `malformed batch: ${(err as Error).message}`);
  }
  return out;
}

/** Application property values as plain JS (for filters). */
export function applicationProperty(m: ParsedMessage, name: string): unknown {
  for (let i = 0; i + 1 < m.applicationProperties.length; i += 2) {
    if (m.applicationProperties[i]?.value === name) return m.applicationProperties[i + 1]?.value;
  }
  return undefined;
}
