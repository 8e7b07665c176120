import type { SqlValue } from './values.js';

/** What a filter or action can read of a message besides its application properties. */
export interface SystemView {
  readonly messageId: unknown;
  readonly correlationId: unknown;
  readonly to: unknown;
  readonly replyTo: unknown;
  readonly subject: unknown;
  readonly sessionId: unknown;
  readonly replyToSessionId: unknown;
  readonly contentType: unknown;
  readonly scheduledEnqueueTime: number | undefined;
  readonly sequenceNumber: number;
  readonly enqueuedAt: number;
  readonly size: number;
}

/** An AMQP properties-section field a SET action may write. */
export type WritableField = 'messageId' | 'to' | 'subject' | 'replyTo' | 'correlationId' | 'contentType' | 'sessionId' | 'replyToSessionId';

interface SystemProperty {
  /** The spelling used in error messages. */
  readonly name: string;
  read(m: SystemView): SqlValue;
  /** Present when a SET or REMOVE action may change it. */
  readonly field?: WritableField;
}

function text(v: unknown): SqlValue {
  if (v === undefined || v === null) return null;
  if (Buffer.isBuffer(v)) return v.toString('hex');
  return typeof v === 'string' ? v : String(v);
}

function field(name: string, key: WritableField): SystemProperty {
  return { name, field: key, read: (m) => text(m[key]) };
}

/**
 * The BrokeredMessage properties a `sys.` name can reach (case-insensitive).
 * `Subject` is accepted beside `Label`, the name newer SDKs use for it.
 */
const byLowerName = new Map<string, SystemProperty>(
  ([
    field('MessageId', 'messageId'),
    field('CorrelationId', 'correlationId'),
    field('To', 'to'),
    field('ReplyTo', 'replyTo'),
    field('Label', 'subject'),
    field('Subject', 'subject'),
    field('SessionId', 'sessionId'),
    field('ReplyToSessionId', 'replyToSessionId'),
    field('ContentType', 'contentType'),
    { name: 'ScheduledEnqueueTimeUtc', read: (m) => (m.scheduledEnqueueTime === undefined ? null : new Date(m.scheduledEnqueueTime)) },
    { name: 'EnqueuedTimeUtc', read: (m) => new Date(m.enqueuedAt) },
    { name: 'SequenceNumber', read: (m) => BigInt(m.sequenceNumber) },
    { name: 'Size', read: (m) => BigInt(m.size) },
    { name: 'DeliveryCount', read: () => 0n },
  ] satisfies SystemProperty[] as SystemProperty[]).map((p) => [p.name.toLowerCase(), p]),
);

export function systemProperty(name: string): SystemProperty | undefined {
  return byLowerName.get(name.toLowerCase());
}

export const systemPropertyNames = [...byLowerName.values()].map((p) => p.name);
