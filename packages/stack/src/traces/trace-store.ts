import type { FlatSpan } from './otlp-json.js';

export interface TraceSummary {
  readonly traceId: string;
  /** The span without a parent in the trace (the upstream request, usually). */
  readonly root: string;
  readonly services: readonly string[];
  readonly spans: number;
  readonly startMs: number;
  readonly durationMs: number;
  readonly eventIds: readonly string[];
}

/** Attributes that name a trace besides its id: `parley trace <eventId>` looks them up. */
const ID_ATTRIBUTES = ['parley.event_id', 'parley.command_id'];

/**
 * The last `capacity` traces, in memory, in the order their first span arrived. Spans of
 * one trace arrive in several exports (one per service and batch), so a trace grows
 * until it falls out; an id lookup also accepts an event or command id.
 */
export class TraceStore {
  private readonly traces = new Map<string, FlatSpan[]>();
  private readonly aliases = new Map<string, string>();

  constructor(private readonly capacity = 500) {}

  add(spans: readonly FlatSpan[]): void {
    for (const span of spans) {
      let trace = this.traces.get(span.traceId);
      if (!trace) {
        trace = [];
        this.traces.set(span.traceId, trace);
        this.evict();
      }
      if (trace.some((known) => known.spanId === span.spanId)) continue;
      trace.push(span);
      for (const key of ID_ATTRIBUTES) {
        const value = span.attributes[key];
        if (typeof value === 'string' && value) this.aliases.set(value, span.traceId);
      }
    }
  }

  /** A trace by trace id, event id or command id; its spans by start time. */
  get(id: string): FlatSpan[] | undefined {
    const traceId = this.traces.has(id.toLowerCase()) ? id.toLowerCase() : this.aliases.get(id);
    const spans = traceId ? this.traces.get(traceId) : undefined;
    return spans ? [...spans].sort((a, b) => a.startMs - b.startMs) : undefined;
  }

  /** The newest traces first. */
  list(limit = 20): TraceSummary[] {
    return [...this.traces.entries()].reverse().slice(0, limit).map(([traceId, spans]) => summarize(traceId, spans));
  }

  get size(): number {
    return this.traces.size;
  }

  private evict(): void {
    while (this.traces.size > this.capacity) {
      const oldest = this.traces.keys().next().value as string;
      this.traces.delete(oldest);
      for (const [alias, traceId] of this.aliases) if (traceId === oldest) this.aliases.delete(alias);
    }
  }
}

export function summarize(traceId: string, spans: readonly FlatSpan[]): TraceSummary {
  const ids = new Set(spans.map((span) => span.spanId));
  const roots = spans.filter((span) => !ids.has(span.parentSpanId)).sort((a, b) => a.startMs - b.startMs);
  const startMs = Math.min(...spans.map((span) => span.startMs));
  const endMs = Math.max(...spans.map((span) => span.endMs));
  const eventIds = new Set<string>();
  for (const span of spans) {
    const value = span.attributes['parley.event_id'];
    if (typeof value === 'string') eventIds.add(value);
  }
  return {
    traceId,
    root: roots[0] ? `${roots[0].service}: ${roots[0].name}` : '(none)',
    services: [...new Set(spans.map((span) => span.service))],
    spans: spans.length,
    startMs,
    durationMs: endMs - startMs,
    eventIds: [...eventIds],
  };
}
