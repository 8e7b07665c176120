import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTraceReceiver, type TraceReceiver } from '@parley/stack';
import { isolatedDir, runCli } from '../testing/harness.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const kv = (key: string, value: string | number) => ({ key, value: typeof value === 'number' ? { intValue: String(value) } : { stringValue: value } });
const nanos = (ms: number) => String(BigInt(Math.round(ms * 1000)) * 1000n);

/** One OTLP/HTTP JSON export per service, as their exporters send them. */
function exportOf(service: string, spans: Array<{ id: string; parent?: string; name: string; kind: number; from: number; to: number; attributes?: ReturnType<typeof kv>[]; error?: string }>) {
  return {
    resourceSpans: [
      {
        resource: { attributes: [kv('service.name', service)] },
        scopeSpans: [
          {
            scope: { name: 'parley' },
            spans: spans.map((span) => ({
              traceId: TRACE,
              spanId: span.id.repeat(16),
              parentSpanId: span.parent ? span.parent.repeat(16) : '',
              name: span.name,
              kind: span.kind,
              startTimeUnixNano: nanos(1_764_000_000_000 + span.from),
              endTimeUnixNano: nanos(1_764_000_000_000 + span.to),
              attributes: span.attributes ?? [],
              status: span.error ? { code: 2, message: span.error } : {},
            })),
          },
        ],
      },
    ],
  };
}

describe('parley trace against the local trace receiver', () => {
  let receiver: TraceReceiver;
  let dir: string;
  let stackFile: string;

  beforeAll(async () => {
    receiver = await startTraceReceiver();
    ({ dir, stackFile } = await isolatedDir());
    await writeFile(stackFile, JSON.stringify({ tracesUrl: receiver.url }));
    // The notifier's export arrives first: a trace is assembled whatever the order.
    const exports = [
      exportOf('notifier', [
        { id: '5', parent: '4', name: 'process notifications', kind: 5, from: 9, to: 14, attributes: [kv('parley.command_id', 'evt-1-000')] },
        { id: '6', parent: '5', name: 'POST sendToAll', kind: 3, from: 9.5, to: 13, attributes: [kv('http.response.status_code', 503)], error: 'retrying' },
      ]),
      exportOf('gateway', [
        { id: '1', name: 'POST /api/messages', kind: 2, from: 0, to: 3, attributes: [kv('http.response.status_code', 200)] },
        { id: '2', parent: '1', name: 'send chat-events', kind: 4, from: 0.5, to: 2.5, attributes: [kv('parley.event_id', 'evt-1')] },
      ]),
      exportOf('chat-worker', [
        { id: '3', parent: '2', name: 'process chat-events/chat-worker', kind: 5, from: 3, to: 9 },
        { id: '4', parent: '3', name: 'send notifications', kind: 4, from: 8, to: 9 },
      ]),
    ];
    for (const body of exports) {
      const response = await fetch(`${receiver.url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(response.status).toBe(200);
    }
  });
  afterAll(async () => {
    await receiver?.close();
  });

  it('prints the waterfall of a trace found by event id: tree order, offsets, durations, statuses', async () => {
    const result = await runCli(['trace', 'evt-1'], { PARLEY_STACK_FILE: stackFile }, dir);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`trace ${TRACE} · 6 spans · gateway, chat-worker, notifier · 14.0 ms · event evt-1`);
    const rows = lines.slice(2).map((line) => line.replace(/\s+[█▓ ]+$/, '').trim().split(/\s{2,}/));
    expect(rows).toEqual([
      ['0.00 ms', '3.00 ms gateway', 'POST /api/messages [200]'],
      ['0.50 ms', '2.00 ms gateway', 'send chat-events'],
      ['3.00 ms', '6.00 ms chat-worker', 'process chat-events/chat-worker'],
      ['8.00 ms', '1.00 ms chat-worker', 'send notifications'],
      ['9.00 ms', '5.00 ms notifier', 'process notifications'],
      ['9.50 ms', '3.50 ms notifier', 'POST sendToAll [503, ERROR: retrying]'],
    ]);
    // Children are indented under their parent (depth 5: ten spaces after the service column).
    expect(lines[7]).toMatch(/notifier {15}POST sendToAll/);
    // The same trace by trace id and by command id.
    expect((await runCli(['trace', TRACE], { PARLEY_STACK_FILE: stackFile }, dir)).stdout).toBe(result.stdout);
    expect((await runCli(['trace', 'evt-1-000'], { PARLEY_STACK_FILE: stackFile }, dir)).stdout).toBe(result.stdout);
  });

  it('lists the newest traces without an id, and --json gives the spans', async () => {
    const list = await runCli(['trace', '--traces', receiver.url], {}, dir);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(`${TRACE}  evt-1  gateway: POST /api/messages`);
    const json = await runCli(['trace', 'evt-1', '--json'], { PARLEY_TRACES_URL: receiver.url }, dir);
    expect((JSON.parse(json.stdout) as Array<{ name: string }>).map((span) => span.name)).toHaveLength(6);
  });

  it('names what is wrong: an unknown id (exit 1), no receiver configured (exit 1), a receiver that is gone (exit 2)', async () => {
    const unknown = await runCli(['trace', 'evt-unknown'], { PARLEY_STACK_FILE: stackFile }, dir);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no trace with id, event id or command id "evt-unknown".*\[PARLEY_CLI_TRACE_NOT_FOUND\]/);
    const { dir: empty, stackFile: emptyStack } = await isolatedDir();
    const missing = await runCli(['trace', 'evt-1'], { PARLEY_STACK_FILE: emptyStack }, empty);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/npm start -- --traces.*\[PARLEY_CLI_CONFIG_MISSING\]/);
    const gone = await runCli(['trace', 'evt-1', '--traces', 'http://127.0.0.1:9'], {}, dir);
    expect(gone.code).toBe(2);
    expect(gone.stderr).toMatch(/\[PARLEY_CLI_SERVICE_UNREACHABLE\]/);
  });
});
