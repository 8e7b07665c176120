import { parseFlags } from '../args.js';
import { findStackFile } from '../config.js';
import { CliError, CliErrorCodes, usageError } from '../errors.js';
import type { CliIo } from '../io.js';
import { renderTraceList, renderWaterfall, type TraceListEntry, type WaterfallSpan } from '../trace/waterfall.js';

export const TRACE_HELP = `Usage: parley trace [ID] [--limit N] [--json] [--traces URL]

Shows one message's path through the system as a span waterfall: the upstream
request in the gateway, the bus send, the chat-worker's steps (event log, rule,
projections, notifications), each notifier command and its REST call.
ID is a trace id, an event id (the id of a chat message frame) or a command id.
Without ID, lists the newest traces.

Traces come from the local stack started with: npm start -- --traces
(--traces URL, else PARLEY_TRACES_URL, else "tracesUrl" in .parley/stack.json).
In a cluster, traces go to your OTLP backend instead (k8s/README.md § Traces).`;

/** The receiver's read API (packages/stack/src/traces/receiver.ts). */
async function fetchJson(url: string): Promise<{ status: number; body: unknown }> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  } catch (error) {
    throw new CliError(
      CliErrorCodes.serviceUnreachable,
      `the trace receiver at ${new URL(url).origin} does not answer (${(error as Error).message}); is npm start -- --traces running?`,
      { cause: error },
    );
  }
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) };
  } catch {
    throw new CliError(CliErrorCodes.serviceFailed, `${url} answered ${response.status} with no JSON`);
  }
}

async function tracesUrl(io: CliIo, flag: string | undefined): Promise<string> {
  const explicit = flag?.trim() || io.env.PARLEY_TRACES_URL?.trim();
  const found = explicit ? undefined : await findStackFile(io.env, io.cwd);
  let url = explicit;
  if (!url && found) {
    try {
      const value = (JSON.parse(found.text) as { tracesUrl?: unknown }).tracesUrl;
      if (typeof value === 'string') url = value;
    } catch {
      throw new CliError(CliErrorCodes.configInvalid, `${found.path}: not JSON`);
    }
  }
  if (!url) {
    throw new CliError(
      CliErrorCodes.configMissing,
      `no trace receiver configured: start the stack with npm start -- --traces${found ? ` (${found.path} has no tracesUrl)` : ''}, or pass --traces URL`,
    );
  }
  try {
    return new URL(url).origin;
  } catch {
    throw new CliError(CliErrorCodes.configInvalid, `${flag ? '--traces' : explicit ? 'PARLEY_TRACES_URL' : found?.path}: "${url}" is not a URL`);
  }
}

export async function traceCommand(args: string[], io: CliIo): Promise<void> {
  const { values, positionals } = parseFlags(
    'trace',
    args,
    { traces: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    true,
  );
  if (values.help) {
    io.stdout.write(`${TRACE_HELP}\n`);
    return;
  }
  if (positionals.length > 1) throw usageError(`trace: one ID at most, got ${positionals.length}`);
  const limit = values.limit === undefined ? 20 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1) throw usageError(`trace: --limit must be a positive integer, got "${values.limit}"`);
  const base = await tracesUrl(io, values.traces);
  const [id] = positionals;

  if (id === undefined) {
    const { status, body } = await fetchJson(`${base}/traces?limit=${limit}`);
    const traces = (body as { traces?: TraceListEntry[] }).traces;
    if (status !== 200 || !Array.isArray(traces)) throw new CliError(CliErrorCodes.serviceFailed, `${base}/traces answered ${status}`);
    io.stdout.write(values.json ? `${JSON.stringify(traces, null, 2)}\n` : renderTraceList(traces));
    return;
  }
  const { status, body } = await fetchJson(`${base}/traces/${encodeURIComponent(id)}`);
  if (status === 404) throw new CliError(CliErrorCodes.traceNotFound, (body as { message?: string }).message ?? `no trace "${id}"`);
  const spans = (body as { spans?: WaterfallSpan[] }).spans;
  if (status !== 200 || !Array.isArray(spans)) throw new CliError(CliErrorCodes.serviceFailed, `${base}/traces/${id} answered ${status}`);
  io.stdout.write(values.json ? `${JSON.stringify(spans, null, 2)}\n` : renderWaterfall(spans, io.stdout.columns ?? 120));
}
