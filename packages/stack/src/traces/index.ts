import type { ComponentName } from '../ports.js';

export { startTraceReceiver, type TraceReceiver } from './receiver.js';
export { TraceStore, summarize, type TraceSummary } from './trace-store.js';
export { parseExportRequest, type FlatSpan, type SpanKindName, type SpanLink } from './otlp-json.js';

/** The services that export spans (the emulators do not). */
export const TRACED_COMPONENTS = ['gateway', 'chat-worker', 'notifier'] as const satisfies readonly ComponentName[];

/**
 * The stack's extra environment with tracing on: the three services export OTLP/HTTP
 * JSON to the local receiver, in short batches so a message's trace is complete a
 * moment after it was delivered. A component's own env (a test's) still wins.
 */
export function withTracesEnv(
  env: Partial<Record<ComponentName, Record<string, string>>>,
  receiverUrl: string,
): Partial<Record<ComponentName, Record<string, string>>> {
  // The signal-specific variables too: a developer's own OTEL_EXPORTER_OTLP_TRACES_* would win over the generic ones.
  const tracing = {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiverUrl,
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiverUrl}/v1/traces`,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
    OTEL_BSP_SCHEDULE_DELAY: '200',
  };
  const out = { ...env };
  for (const name of TRACED_COMPONENTS) out[name] = { ...tracing, ...env[name] };
  return out;
}
