import { BrokerError, Condition } from '../errors.js';

/** A decoded `$management` request body: a map with string keys. */
export type RequestBody = Record<string, unknown>;

/** What an operation answers; the transport adds status properties. */
export interface ManagementReply {
  readonly status: number;
  readonly body?: unknown;
  readonly description?: string;
}

export function ok(body?: unknown): ManagementReply {
  return { status: 200, body };
}

export function noContent(): ManagementReply {
  return { status: 204, description: 'No messages available' };
}

export function argument(field: string): BrokerError {
  return new BrokerError(Condition.argumentError, `The request field '${field}' is missing or invalid.`);
}

/** AMQP longs arrive as numbers, or as 8 big-endian bytes when large. */
export function toNumber(v: unknown, field: string): number {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (Buffer.isBuffer(v) && v.length === 8) return Number(v.readBigInt64BE());
  throw argument(field);
}

export function listOf(v: unknown, field: string): unknown[] {
  if (Array.isArray(v)) return v;
  if (v !== undefined && v !== null) return [v];
  throw argument(field);
}

export function optionalString(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function requiredString(v: unknown, field: string): string {
  if (typeof v !== 'string' || v === '') throw argument(field);
  return v;
}

export function optionalMap(v: unknown): Record<string, unknown> | undefined {
  if (typeof v !== 'object' || v === null || Buffer.isBuffer(v) || Array.isArray(v)) return undefined;
  const entries = Object.entries(v as Record<string, unknown>);
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}
