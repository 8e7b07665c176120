import { describe, expect, it } from 'vitest';
import { OtlpPayloadError, parseExportRequest } from './otlp-json.js';
import { TraceStore } from './trace-store.js';

const T1 = '4bf92f3577b34da6a3ce929d0e0e4736';
const T2 = '5bf92f3577b34da6a3ce929d0e0e4736';
const kv = (key: string, value: string) => ({ key, value: { stringValue: value } });

/** An export as @opentelemetry/exporter-trace-otlp-http sends it (JSON mapping: hex ids, decimal nanoseconds). */
function exportOf(service: string, spans: Array<{ traceId: string; spanId: string; parentSpanId?: string; name: string; startMs: number; endMs: number; eventId?: string }>) {
  return {
    resourceSpans: [
      {
        resource: { attributes: [kv('service.name', service)] },
        scopeSpans: [
          {
            scope: { name: 'parley' },
            spans: spans.map((span) => ({
              traceId: span.traceId,
              spanId: span.spanId,
              ...(span.parentSpanId ? { parentSpanId: span.parentSpanId } : {}),
              name: span.name,
              kind: 2,
              startTimeUnixNano: String(BigInt(span.startMs) * 1_000_000n + 250_000n),
              endTimeUnixNano: String(BigInt(span.endMs) * 1_000_000n),
              attributes: span.eventId ? [kv('parley.event_id', span.eventId), { key: 'n', value: { intValue: '3' } }] : [],
              status: { code: 2, message: 'boom' },
            })),
          },
        ],
      },
    ],
  };
}

describe('OTLP/HTTP JSON parsing', () => {
  it('flattens resource, scope and span into one record per span', () => {
    const [span] = parseExportRequest(exportOf('gateway', [{ traceId: T1, spanId: 'a'.repeat(16), name: 'POST /api/messages', startMs: 1_700_000_000_000, endMs: 1_700_000_000_004, eventId: 'e1' }]));
    expect(span).toEqual({
      traceId: T1,
      spanId: 'a'.repeat(16),
      parentSpanId: '',
      name: 'POST /api/messages',
      kind: 'server',
      service: 'gateway',
      startMs: 1_700_000_000_000.25,
      endMs: 1_700_000_000_004,
      status: 'error',
      statusMessage: 'boom',
      attributes: { 'parley.event_id': 'e1', n: 3 },
    });
  });

  it("keeps a span's links to other traces, leaving out a link without valid ids", () => {
    const body = exportOf('notifier', [{ traceId: T1, spanId: 'a'.repeat(16), name: 'process notifications', startMs: 1, endMs: 2 }]);
    const raw = body.resourceSpans[0]!.scopeSpans[0]!.spans[0] as Record<string, unknown>;
    raw.links = [{ traceId: T2.toUpperCase(), spanId: 'B'.repeat(16), attributes: [] }, { traceId: 'xyz', spanId: 'b'.repeat(16) }];
    expect(parseExportRequest(body)[0]!.links).toEqual([{ traceId: T2, spanId: 'b'.repeat(16) }]);
    expect(parseExportRequest(exportOf('notifier', [{ traceId: T1, spanId: 'a'.repeat(16), name: 'x', startMs: 1, endMs: 2 }]))[0]).not.toHaveProperty('links');
  });

  it('refuses malformed ids and times as a whole (OTLP answers 400)', () => {
    const bad = exportOf('gateway', [{ traceId: 'xyz', spanId: 'a'.repeat(16), name: 'x', startMs: 1, endMs: 2 }]);
    expect(() => parseExportRequest(bad)).toThrow(OtlpPayloadError);
    const badTime = exportOf('gateway', [{ traceId: T1, spanId: 'a'.repeat(16), name: 'x', startMs: 1, endMs: 2 }]);
    (badTime.resourceSpans[0]!.scopeSpans[0]!.spans[0] as { startTimeUnixNano: unknown }).startTimeUnixNano = 'soon';
    expect(() => parseExportRequest(badTime)).toThrow(/startTimeUnixNano/);
    expect(() => parseExportRequest([])).toThrow(OtlpPayloadError);
  });
});

describe('TraceStore', () => {
  it('joins the exports of several services into one trace, found by trace id or event id, spans by start', () => {
    const store = new TraceStore(10);
    store.add(parseExportRequest(exportOf('chat-worker', [{ traceId: T1, spanId: 'b'.repeat(16), parentSpanId: 'a'.repeat(16), name: 'process', startMs: 5, endMs: 9 }])));
    store.add(parseExportRequest(exportOf('gateway', [{ traceId: T1, spanId: 'a'.repeat(16), name: 'POST /api/messages', startMs: 1, endMs: 4, eventId: 'evt-1' }])));
    // A repeated export (an exporter retry) adds nothing.
    store.add(parseExportRequest(exportOf('gateway', [{ traceId: T1, spanId: 'a'.repeat(16), name: 'POST /api/messages', startMs: 1, endMs: 4, eventId: 'evt-1' }])));
    expect(store.get(T1)!.map((span) => span.name)).toEqual(['POST /api/messages', 'process']);
    expect(store.get('evt-1')!.map((span) => span.service)).toEqual(['gateway', 'chat-worker']);
    expect(store.get(T1.toUpperCase())).toHaveLength(2);
    expect(store.get('nope')).toBeUndefined();
    expect(store.list()).toEqual([
      { traceId: T1, root: 'gateway: POST /api/messages', services: ['chat-worker', 'gateway'], spans: 2, startMs: 1.25, durationMs: 7.75, eventIds: ['evt-1'] },
    ]);
  });

  it('keeps only the last traces, aliases included', () => {
    const store = new TraceStore(1);
    store.add(parseExportRequest(exportOf('gateway', [{ traceId: T1, spanId: 'a'.repeat(16), name: 'first', startMs: 1, endMs: 2, eventId: 'evt-1' }])));
    store.add(parseExportRequest(exportOf('gateway', [{ traceId: T2, spanId: 'c'.repeat(16), name: 'second', startMs: 3, endMs: 4, eventId: 'evt-2' }])));
    expect(store.get('evt-1')).toBeUndefined();
    expect(store.get(T1)).toBeUndefined();
    expect(store.get('evt-2')!.map((span) => span.name)).toEqual(['second']);
    expect(store.size).toBe(1);
  });
});
