import type { FlatSpan, TraceSummary } from '@parley/stack';

/** The span record the local trace receiver serves (packages/stack/src/traces/otlp-json.ts). */
export type WaterfallSpan = FlatSpan;
/** One entry of the receiver's trace list (packages/stack/src/traces/trace-store.ts). */
export type TraceListEntry = TraceSummary;

interface Row {
  readonly span: WaterfallSpan;
  readonly depth: number;
  /** True when the span names a parent that is not in the trace (not exported, or still on its way). */
  readonly orphan: boolean;
}

/** Depth-first, children by start time: the order a reader follows the message. */
export function orderSpans(spans: readonly WaterfallSpan[]): Row[] {
  const ids = new Set(spans.map((span) => span.spanId));
  const children = new Map<string, WaterfallSpan[]>();
  const roots: WaterfallSpan[] = [];
  for (const span of spans) {
    if (span.parentSpanId && ids.has(span.parentSpanId)) {
      const siblings = children.get(span.parentSpanId) ?? [];
      siblings.push(span);
      children.set(span.parentSpanId, siblings);
    } else {
      roots.push(span);
    }
  }
  const byStart = (a: WaterfallSpan, b: WaterfallSpan) => a.startMs - b.startMs;
  const rows: Row[] = [];
  const visit = (span: WaterfallSpan, depth: number) => {
    rows.push({ span, depth, orphan: depth === 0 && span.parentSpanId !== '' });
    for (const child of (children.get(span.spanId) ?? []).sort(byStart)) visit(child, depth + 1);
  };
  for (const root of roots.sort(byStart)) visit(root, 0);
  return rows;
}

const ms = (value: number) => `${value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0)} ms`;

/** What is worth a glance beside the name: a status code, a message id, the outcome. */
function detail(span: WaterfallSpan): string {
  const parts: string[] = [];
  const status = span.attributes['http.response.status_code'];
  if (status !== undefined) parts.push(String(status));
  const delivery = span.attributes['messaging.servicebus.message.delivery_count'];
  if (typeof delivery === 'number' && delivery > 1) parts.push(`delivery ${delivery}`);
  // A notifier call that carried several commands' frames: the first command's span holds the
  // call and counts the frames; each other command's span links to it, in its own trace.
  const frames = span.attributes['parley.rest.frames'];
  if (typeof frames === 'number') parts.push(`${frames} frames in one call`);
  if (span.links?.length) parts.push('linked ↓');
  if (span.status === 'error') parts.push(`ERROR${span.statusMessage ? `: ${span.statusMessage}` : ''}`);
  return parts.length > 0 ? ` [${parts.join(', ')}]` : '';
}

/**
 * The span waterfall: one line per span with its offset from the trace start, its
 * duration, service and (indented) name, and a bar placed on the trace's time line.
 */
export function renderWaterfall(spans: readonly WaterfallSpan[], columns = 120): string {
  if (spans.length === 0) return 'no spans\n';
  const start = Math.min(...spans.map((span) => span.startMs));
  const end = Math.max(...spans.map((span) => span.endMs));
  const total = Math.max(end - start, 0.001);
  const rows = orderSpans(spans);
  const serviceWidth = Math.max(7, ...spans.map((span) => span.service.length));
  const labels = rows.map(({ span, depth, orphan }) => `${'  '.repeat(depth)}${orphan ? '? ' : ''}${span.name}${detail(span)}`);
  const labelWidth = Math.min(Math.max(...labels.map((label) => label.length)), 60);
  const fixed = 10 + 10 + serviceWidth + 2 + labelWidth + 2;
  const barWidth = Math.max(20, columns - fixed - 1);

  const services = [...new Set(spans.map((span) => span.service))];
  const eventIds = [...new Set(spans.map((span) => span.attributes['parley.event_id']).filter((id): id is string => typeof id === 'string'))];
  const lines = [
    `trace ${spans[0]!.traceId} · ${spans.length} spans · ${services.join(', ')} · ${ms(total)}${eventIds.length > 0 ? ` · event ${eventIds.join(', ')}` : ''}`,
    `${'offset'.padStart(9)} ${'duration'.padStart(9)} ${'service'.padEnd(serviceWidth)}  ${'span'.padEnd(labelWidth)}  ${'0'.padEnd(barWidth - ms(total).length)}${ms(total)}`,
  ];
  rows.forEach(({ span }, index) => {
    const from = Math.floor(((span.startMs - start) / total) * barWidth);
    const length = Math.max(1, Math.round(((span.endMs - span.startMs) / total) * barWidth));
    const bar = ' '.repeat(Math.min(from, barWidth - 1)) + (span.status === 'error' ? '▓' : '█').repeat(Math.min(length, barWidth - Math.min(from, barWidth - 1)));
    const label = labels[index]!.length > labelWidth ? `${labels[index]!.slice(0, labelWidth - 1)}…` : labels[index]!.padEnd(labelWidth);
    lines.push(`${ms(span.startMs - start).padStart(9)} ${ms(span.endMs - span.startMs).padStart(9)} ${span.service.padEnd(serviceWidth)}  ${label}  ${bar}`);
  });
  const orphans = rows.filter((row) => row.orphan).length;
  // Trace ids are too long for the label column: the links are listed in full below it.
  for (const { span } of rows) for (const link of span.links ?? []) lines.push(`↓ ${span.service}: ${span.name} links to trace ${link.traceId} (span ${link.spanId})`);
  if (orphans > 0) lines.push(`(${orphans} span(s) marked ? name a parent that has not arrived: still exporting, or sampled out)`);
  return `${lines.join('\n')}\n`;
}

/** The newest traces, one line each. */
export function renderTraceList(traces: readonly TraceListEntry[]): string {
  if (traces.length === 0) return 'no traces yet: send a chat message to the stack started with npm start -- --traces\n';
  const lines = [`${'started'.padEnd(12)} ${'duration'.padStart(9)} ${'spans'.padStart(5)}  ${'trace id'.padEnd(32)}  event id / root`];
  for (const trace of traces) {
    const at = new Date(trace.startMs).toISOString().slice(11, 23);
    lines.push(`${at.padEnd(12)} ${ms(trace.durationMs).padStart(9)} ${String(trace.spans).padStart(5)}  ${trace.traceId}  ${trace.eventIds[0] ?? '-'}  ${trace.root}`);
  }
  return `${lines.join('\n')}\n`;
}
