import { describe, expect, it } from 'vitest';
import { renderWaterfall, type WaterfallSpan } from './waterfall.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CARRIER_TRACE = '5bf92f3577b34da6a3ce929d0e0e4736';

const span = (id: string, parent: string, name: string, from: number, extra: Partial<WaterfallSpan> = {}): WaterfallSpan => ({
  traceId: TRACE,
  spanId: id.repeat(16),
  parentSpanId: parent ? parent.repeat(16) : '',
  name,
  kind: 'consumer',
  service: 'notifier',
  startMs: 1_764_000_000_000 + from,
  endMs: 1_764_000_000_000 + from + 1,
  status: 'unset',
  attributes: {},
  ...extra,
});

describe('renderWaterfall', () => {
  it("names a coalesced call's frame count on the span that holds it, and the trace a riding command's span links to", () => {
    const carrier = span('1', '', 'process notifications', 0, { attributes: { 'parley.rest.frames': 2 } });
    const rider = span('2', '', 'process notifications', 0.5, { links: [{ traceId: CARRIER_TRACE, spanId: 'c'.repeat(16) }] });
    const text = renderWaterfall([carrier, rider]);
    const [, , first, second, links] = text.split('\n');
    expect(first).toContain('process notifications [2 frames in one call]');
    expect(second).toContain('process notifications [linked ↓]');
    expect(links).toBe(`↓ notifier: process notifications links to trace ${CARRIER_TRACE} (span ${'c'.repeat(16)})`);
  });
});
