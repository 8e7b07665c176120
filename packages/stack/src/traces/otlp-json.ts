/**
 * The part of OTLP/HTTP JSON (ExportTraceServiceRequest, opentelemetry-proto
 * `trace/v1`) the local trace view needs, flattened to one record per span.
 * Ids are hex strings and times decimal nanoseconds, as the JSON mapping says.
 */

export type SpanKindName = 'internal' | 'server' | 'client' | 'producer' | 'consumer' | 'unspecified';

export interface FlatSpan {
  readonly traceId: string;
  readonly spanId: string;
  /** Empty for a root span. */
  readonly parentSpanId: string;
  readonly name: string;
  readonly kind: SpanKindName;
  readonly service: string;
  /** Milliseconds since the epoch, with sub-millisecond fractions. */
  readonly startMs: number;
  readonly endMs: number;
  readonly status: 'unset' | 'ok' | 'error';
  readonly statusMessage?: string;
  readonly attributes: Readonly<Record<string, string | number | boolean>>;
  /**
   * Spans in other traces this one points at; present only when it has some. A notifier
   * command whose frame rode in another command's coalesced call links to that command.
   */
  readonly links?: readonly SpanLink[];
}

export interface SpanLink {
  readonly traceId: string;
  readonly spanId: string;
}

const KINDS: readonly SpanKindName[] = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];
const STATUS = ['unset', 'ok', 'error'] as const;

export class OtlpPayloadError extends Error {
  readonly code = 'PARLEY_TRACES_PAYLOAD_INVALID';
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** An AnyValue: scalars kept, arrays and maps as JSON text (enough to show). */
function anyValue(value: unknown): string | number | boolean | undefined {
  if (!isObject(value)) return undefined;
  if (typeof value.stringValue === 'string') return value.stringValue;
  if (typeof value.boolValue === 'boolean') return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (typeof value.doubleValue === 'number') return value.doubleValue;
  if (value.arrayValue !== undefined || value.kvlistValue !== undefined) return JSON.stringify(value.arrayValue ?? value.kvlistValue);
  return undefined;
}

function attributes(value: unknown): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const entry of list(value)) {
    if (!isObject(entry) || typeof entry.key !== 'string') continue;
    const scalar = anyValue(entry.value);
    if (scalar !== undefined) out[entry.key] = scalar;
  }
  return out;
}

/** Nanoseconds as a decimal string or number → milliseconds (BigInt keeps the nanoseconds exact). */
function nanosToMs(value: unknown, field: string): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value / 1e6;
  if (typeof value === 'string' && /^\d+$/.test(value)) {
    const nanos = BigInt(value);
    return Number(nanos / 1000n) / 1000;
  }
  throw new OtlpPayloadError(`${field} must be decimal nanoseconds`);
}

const HEX_ID = (length: number) => new RegExp(`^[0-9a-f]{${length}}$`);
const TRACE_ID = HEX_ID(32);
const SPAN_ID = HEX_ID(16);

/** A span's links. A link without valid ids is left out: nothing could follow it. */
function links(value: unknown): SpanLink[] {
  const out: SpanLink[] = [];
  for (const link of list(value)) {
    if (!isObject(link)) continue;
    const traceId = String(link.traceId ?? '').toLowerCase();
    const spanId = String(link.spanId ?? '').toLowerCase();
    if (TRACE_ID.test(traceId) && SPAN_ID.test(spanId)) out.push({ traceId, spanId });
  }
  return out;
}

/** Parses one export request; a span without valid ids or times makes the whole request invalid (OTLP answers 400). */
export function parseExportRequest(body: unknown): FlatSpan[] {
  if (!isObject(body)) throw new OtlpPayloadError('the body must be a JSON object');
  const spans: FlatSpan[] = [];
  for (const resourceSpans of list(body.resourceSpans)) {
    if (!isObject(resourceSpans)) continue;
    const resource = attributes(isObject(resourceSpans.resource) ? resourceSpans.resource.attributes : undefined);
    const service = String(resource['service.name'] ?? 'unknown');
    for (const scopeSpans of list(resourceSpans.scopeSpans)) {
      if (!isObject(scopeSpans)) continue;
      for (const span of list(scopeSpans.spans)) {
        if (!isObject(span)) throw new OtlpPayloadError('a span must be an object');
        const traceId = String(span.traceId ?? '').toLowerCase();
        const spanId = String(span.spanId ?? '').toLowerCase();
        const parentSpanId = String(span.parentSpanId ?? '').toLowerCase();
        if (!TRACE_ID.test(traceId) || !SPAN_ID.test(spanId)) throw new OtlpPayloadError('traceId and spanId must be hex (32 and 16 digits)');
        if (parentSpanId !== '' && !SPAN_ID.test(parentSpanId)) throw new OtlpPayloadError('parentSpanId must be 16 hex digits');
        const status = isObject(span.status) ? span.status : {};
        const linked = links(span.links);
        spans.push({
          traceId,
          spanId,
          parentSpanId,
          name: typeof span.name === 'string' ? span.name : '(unnamed)',
          kind: KINDS[Number(span.kind ?? 0)] ?? 'unspecified',
          service,
          startMs: nanosToMs(span.startTimeUnixNano, 'startTimeUnixNano'),
          endMs: nanosToMs(span.endTimeUnixNano, 'endTimeUnixNano'),
          status: STATUS[Number(status.code ?? 0)] ?? 'unset',
          ...(typeof status.message === 'string' && status.message ? { statusMessage: status.message } : {}),
          attributes: attributes(span.attributes),
          ...(linked.length > 0 ? { links: linked } : {}),
        });
      }
    }
  }
  return spans;
}
