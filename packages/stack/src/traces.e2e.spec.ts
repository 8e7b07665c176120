import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { eventually } from '@parley/testkit';
import { ChatClient } from './chat-client.js';
import { startTestStack, unique } from './e2e-setup.js';
import type { Stack } from './stack.js';
import type { FlatSpan } from './traces/index.js';

const isRestCall = (span: FlatSpan) => span.service === 'notifier' && span.kind === 'client';
const isCommand = (span: FlatSpan) => span.service === 'notifier' && span.name === 'process notifications';
const PARLEY_BIN = fileURLToPath(new URL('../../cli/bin/parley.js', import.meta.url));
/** OTel stamps most span starts in whole milliseconds: how far one may read before a precise stamp of a later instant. */
const CLOCK_SLACK_MS = 1;

describe('one chat message is one trace (npm start -- --traces)', () => {
  let stack: Stack;
  let cleanup: () => Promise<void>;
  let logs: string[] = [];
  const clients: ChatClient[] = [];

  beforeAll(async () => {
    ({ stack, logs, cleanup } = await startTestStack({ inMemory: true, traces: true }));
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await cleanup?.();
  });

  const traceOf = async (id: string): Promise<FlatSpan[]> => {
    const response = await fetch(`${stack.tracesUrl}/traces/${encodeURIComponent(id)}`);
    return response.status === 200 ? ((await response.json()) as { spans: FlatSpan[] }).spans : [];
  };

  it('from the upstream call to the last REST call: every hop present, parented correctly, in time order', async () => {
    onTestFailed(() => console.log(logs.filter((line) => /"level":(40|50|60)/.test(line)).slice(-30).join('\n')));
    expect(stack.tracesUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const alice = await ChatClient.connect(stack.gatewayUrl, unique('alice'));
    const bob = await ChatClient.connect(stack.gatewayUrl, unique('bob'));
    clients.push(alice, bob);
    await Promise.all([alice.waitFor((f) => f.type === 'state'), bob.waitFor((f) => f.type === 'state')]);

    await alice.request({ type: 'send', id: 'traced-1', text: 'where does the time go?' });
    // The message frame's id is the event id the gateway stamped: what `parley trace` takes.
    const delivered = await bob.waitFor((f) => f.type === 'message' && f.clientId === 'traced-1');
    const eventId = String(delivered.id);

    // Spans arrive in batches from three processes: wait until the notifier's command is in.
    const spans = await eventually(
      async () => ((await traceOf(eventId)).some(isCommand) ? traceOf(eventId) : undefined),
      `the trace of ${eventId} with the notifier's command`,
      20_000,
      250,
    );
    // A moment more, so every command's spans are in (they share the batch delay).
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const trace = await traceOf(eventId);
    const byId = new Map(trace.map((span) => [span.spanId, span]));
    const label = (span: FlatSpan) => `${span.service}: ${span.name}`;
    const isUnder = (span: FlatSpan, ancestor: FlatSpan): boolean => {
      for (let parent = byId.get(span.parentSpanId); parent; parent = byId.get(parent.parentSpanId)) if (parent.spanId === ancestor.spanId) return true;
      return false;
    };
    onTestFailed(() => console.log(trace.map((span) => `${label(span)} ${span.spanId} <- ${span.parentSpanId}`).join('\n')));
    expect(spans.length).toBeGreaterThan(0);

    // One trace, no span pointing at a parent outside it.
    expect(new Set(trace.map((span) => span.traceId)).size).toBe(1);
    expect(trace.filter((span) => span.parentSpanId !== '' && !byId.has(span.parentSpanId)).map(label)).toEqual([]);
    const one = (service: string, name: string | RegExp, parent?: FlatSpan) => {
      const found = trace.filter(
        (span) => span.service === service && (typeof name === 'string' ? span.name === name : name.test(span.name)) && (!parent || span.parentSpanId === parent.spanId),
      );
      expect(found.map(label), `${service}: ${String(name)}${parent ? ` under ${label(parent)}` : ''}`).not.toEqual([]);
      return found[0]!;
    };

    // gateway: the upstream request is the root; the bus send is its child.
    const upstream = one('gateway', 'POST /api/messages');
    expect(upstream).toMatchObject({ kind: 'server', parentSpanId: '' });
    expect(upstream.attributes['http.response.status_code']).toBe(200);
    const send = one('gateway', 'send chat-events', upstream);
    expect(send).toMatchObject({ kind: 'producer' });
    expect(send.attributes['parley.event_id']).toBe(eventId);

    // chat-worker: the consumer span continues the bus send; the steps are its children.
    const process = one('chat-worker', 'process chat-events/chat-worker', send);
    expect(process).toMatchObject({ kind: 'consumer' });
    const append = one('chat-worker', 'event-log append', process);
    const rule = one('chat-worker', 'rule', process);
    // A send is committed with its dedup claim inside the rule's loop; other events apply after it.
    const projections = one('chat-worker', /^projections (commit|apply)$/);
    expect(isUnder(projections, process), label(projections)).toBe(true);
    const publish = one('chat-worker', 'send notifications', process);
    expect(publish).toMatchObject({ kind: 'producer' });

    // notifier: each command continues the worker's send; each makes its REST call, or its
    // frame rode in a call the notifier coalesced under another command: then its span links to
    // that command's span, in that command's trace, where the call is.
    const commands = trace.filter(isCommand);
    expect(commands.length).toBeGreaterThan(0);
    for (const command of commands) {
      expect(command).toMatchObject({ kind: 'consumer', parentSpanId: publish.spanId });
      const rest = trace.filter((span) => span.parentSpanId === command.spanId && isRestCall(span));
      for (const call of rest) expect(call.startMs).toBeGreaterThanOrEqual(command.startMs);
      if (rest.length > 0) continue;
      expect(command.links, `REST call under ${command.spanId}, or a link to the command whose call carried it`).toHaveLength(1);
      const carrier = command.links![0]!;
      const carried = await eventually(
        async () => (await traceOf(carrier.traceId)).filter((span) => span.parentSpanId === carrier.spanId && isRestCall(span)).at(0),
        `the REST call under ${carrier.spanId} in trace ${carrier.traceId}`,
        20_000,
        250,
      );
      expect(carried.endMs).toBeGreaterThanOrEqual(command.startMs - CLOCK_SLACK_MS);
    }
    // The path ends at this trace's last REST call, when its commands made one themselves.
    const lastRest = trace.filter(isRestCall).sort((a, b) => a.startMs - b.startMs).slice(-1);

    // The Azure SDKs' own spans are inside the trace (the bus sends, the table writes).
    expect(trace.filter((span) => typeof span.attributes['az.namespace'] === 'string' && byId.has(span.parentSpanId)).map((span) => span.attributes['az.namespace'])).toEqual(
      expect.arrayContaining(['Microsoft.ServiceBus', 'Microsoft.Data.Tables']),
    );

    // Time order along the path (one machine, one clock), and no child before its parent. OTel
    // stamps a span's start with Date.now() (whole milliseconds) unless its instrumentation passes
    // a precise time, so a child can show up to 1 ms before its parent: allow that, no more.
    const path = [upstream, send, process, append, rule, projections, publish, commands[0]!, ...lastRest];
    const alongPath = [upstream, send, process, publish, commands[0]!, ...lastRest];
    alongPath.slice(1).forEach((span, i) => expect(span.startMs, label(span)).toBeGreaterThanOrEqual(alongPath[i]!.startMs - CLOCK_SLACK_MS));
    for (const span of path) if (span.parentSpanId) expect(span.startMs, label(span)).toBeGreaterThanOrEqual(byId.get(span.parentSpanId)!.startMs - CLOCK_SLACK_MS);
    // Notifications leave after the rule decided and the projections were written.
    expect(publish.startMs).toBeGreaterThanOrEqual(rule.endMs - CLOCK_SLACK_MS);
    expect(publish.startMs).toBeGreaterThanOrEqual(projections.endMs - CLOCK_SLACK_MS);
  });

  it('parley trace <eventId> prints that waterfall from the stack file', async () => {
    const alice = await ChatClient.connect(stack.gatewayUrl, unique('alice'));
    clients.push(alice);
    await alice.waitFor((f) => f.type === 'state');
    await alice.request({ type: 'send', id: 'traced-2', text: 'and this one?' });
    const echoed = await alice.waitFor((f) => f.type === 'message' && f.clientId === 'traced-2');
    const eventId = String(echoed.id);
    await eventually(async () => (await traceOf(eventId)).some(isCommand) || undefined, `the trace of ${eventId} with the notifier's command`, 20_000, 250);
    const { stdout } = await promisify(execFile)(process.execPath, [PARLEY_BIN, 'trace', eventId], {
      env: { ...process.env, PARLEY_STACK_FILE: `${stack.dataDir}/stack.json` },
    });
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(new RegExp(`^trace [0-9a-f]{32} · \\d+ spans · gateway, chat-worker, notifier · .* · event ${eventId}$`));
    const order = ['POST /api/messages', 'send chat-events', 'process chat-events/chat-worker', 'send notifications', 'process notifications'];
    const positions = order.map((name) => lines.findIndex((line) => line.includes(` ${name}`)));
    expect(positions.every((position) => position > 1), stdout).toBe(true);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
  });
});
