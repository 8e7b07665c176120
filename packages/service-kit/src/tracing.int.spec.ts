import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { trace } from '@opentelemetry/api';
import { ConfigError } from './errors.js';
import { pino, type LoggerOptions } from 'pino';
import { createLogger } from './logger.js';
import { loadTracingConfig, startTracing } from './tracing.js';
import { activeTraceparent, tracedPort, tracedPublisher, withMessageSpan, withSendSpan, withSpan } from './tracing-spans.js';

interface ExportedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Array<{ key: string; value: Record<string, unknown> }>;
}

/** The mixin createLogger installed (pino keeps it under a symbol). */
function loggerOptionsOf(logger: ReturnType<typeof createLogger>): LoggerOptions {
  return { mixin: (logger as unknown as Record<symbol, LoggerOptions['mixin']>)[pino.symbols.mixinSym] };
}

/** A minimal OTLP/HTTP JSON endpoint: what the services' exporter really sends, over a real socket. */
describe('tracing over OTLP/HTTP (a local collector)', () => {
  let server: Server;
  let endpoint: string;
  const bodies: Array<{ resourceSpans: Array<{ resource: { attributes: unknown[] }; scopeSpans: Array<{ spans: ExportedSpan[] }> }> }> = [];
  const spans = () => bodies.flatMap((body) => body.resourceSpans.flatMap((resource) => resource.scopeSpans.flatMap((scope) => scope.spans)));

  beforeAll(async () => {
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        if (request.url === '/v1/traces') bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as (typeof bodies)[number]);
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const address = server.address();
    endpoint = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  afterEach(() => {
    bodies.length = 0;
  });

  it('reads the standard variables and names a bad one', () => {
    expect(loadTracingConfig('gateway', {}).tracesUrl).toBeUndefined();
    expect(loadTracingConfig('gateway', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })).toMatchObject({
      tracesUrl: 'http://collector:4318/v1/traces',
      protocol: 'http/protobuf',
      ratio: 1,
      serviceName: 'gateway',
    });
    expect(loadTracingConfig('gateway', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' }).tracesUrl).toBeUndefined();
    const bad = (env: Record<string, string>) => {
      try {
        loadTracingConfig('gateway', env);
      } catch (error) {
        return error instanceof ConfigError ? error.variable : 'not a ConfigError';
      }
      return 'accepted';
    };
    expect(bad({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toBe('OTEL_EXPORTER_OTLP_ENDPOINT');
    expect(bad({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toBe('OTEL_EXPORTER_OTLP_PROTOCOL');
    expect(bad({ OTEL_TRACES_SAMPLER_ARG: '2' })).toBe('OTEL_TRACES_SAMPLER_ARG');
  });

  it('without an endpoint nothing is registered and the helpers call straight through', async () => {
    const tracing = startTracing('kit-test', {});
    expect(tracing.enabled).toBe(false);
    const seen = await withSpan('step', async (span) => ({ span, traceparent: activeTraceparent() }));
    expect(seen).toEqual({ span: undefined, traceparent: undefined });
    const port = { work: async () => 'done' };
    expect(tracedPort(port, { work: 'work' })).toBe(port);
    await tracing.shutdown();
  });

  it('one trace across a send and the message it produced, logs carrying its ids, foreign roots dropped', async () => {
    const tracing = startTracing('kit-test', { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' });
    expect(tracing.enabled).toBe(true);
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk: Buffer, _encoding, done) => (lines.push(chunk.toString()), done()) });
    // createLogger's options with a stream of ours: the same mixin the services log with.
    const log = pino({ ...loggerOptionsOf(createLogger('kit-test')) }, sink);

    // A message without a traceparent starts a trace of ours; its send stamps the envelopes.
    let sent: Array<{ metadata: { traceparent?: string } }> = [];
    await withMessageSpan('chat-events/chat-worker', { messageId: 'evt-1', applicationProperties: {} }, async () => {
      log.info('handling');
      const store = tracedPort({ append: async () => 'appended' }, { append: 'event-log append' });
      await store.append();
      await withSendSpan('notifications', [{ metadata: {} }, { metadata: { traceparent: 'stale' } }], {}, async (stamped) => {
        sent = stamped;
      });
    });
    // The stamped traceparent is what the next consumer continues.
    await withMessageSpan('notifications', { messageId: 'cmd-1', applicationProperties: { traceparent: sent[0]!.metadata.traceparent } }, async () => {
      await withSpan('rest call', async () => undefined).catch(() => undefined);
    });
    // A span nobody of ours started (an SDK's idle poll) is not kept.
    trace.getTracer('foreign').startSpan('ServiceBusReceiver.receive').end();
    await tracing.shutdown();

    const exported = spans();
    const byName = new Map(exported.map((span) => [span.name, span]));
    expect([...byName.keys()].sort()).toEqual(['event-log append', 'process chat-events/chat-worker', 'process notifications', 'rest call', 'send notifications']);
    expect(new Set(exported.map((span) => span.traceId)).size).toBe(1);
    const root = byName.get('process chat-events/chat-worker')!;
    expect(root.parentSpanId ?? '').toBe('');
    expect(byName.get('event-log append')!.parentSpanId).toBe(root.spanId);
    expect(byName.get('send notifications')!.parentSpanId).toBe(root.spanId);
    expect(byName.get('process notifications')!.parentSpanId).toBe(byName.get('send notifications')!.spanId);
    expect(byName.get('rest call')!.parentSpanId).toBe(byName.get('process notifications')!.spanId);
    expect(sent.map((envelope) => envelope.metadata.traceparent)).toEqual([
      `00-${root.traceId}-${byName.get('send notifications')!.spanId}-01`,
      `00-${root.traceId}-${byName.get('send notifications')!.spanId}-01`,
    ]);
    const handling = JSON.parse(lines.find((line) => line.includes('handling'))!) as { traceId: string; spanId: string };
    expect(handling).toMatchObject({ traceId: root.traceId, spanId: root.spanId });
  });

  it('a traced publisher sends one envelope or a list in a send span, stamped, tagged with the event id', async () => {
    const tracing = startTracing('kit-test', { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' });
    const sent: unknown[] = [];
    const port = { publish: async (payload: unknown) => void sent.push(payload), ready: () => true };
    const publisher = tracedPublisher(port, 'chat-events');
    await withMessageSpan('upstream', { applicationProperties: {} }, async () => {
      await publisher.publish({ type: 'chat.message', metadata: { eventId: 'evt-9' } });
      await publisher.publish([{ type: 'notify.command', metadata: { causationId: 'evt-9', traceparent: 'old' } }]);
    });
    expect(publisher.ready()).toBe(true);
    await tracing.shutdown();
    const sends = spans().filter((span) => span.name === 'send chat-events');
    expect(sends).toHaveLength(2);
    for (const span of sends) expect(span.attributes).toContainEqual({ key: 'parley.event_id', value: { stringValue: 'evt-9' } });
    const [single, list] = sent as [{ metadata: { traceparent: string } }, Array<{ metadata: { traceparent: string } }>];
    expect(single.metadata.traceparent).toBe(`00-${sends[0]!.traceId}-${sends[0]!.spanId}-01`);
    expect(list[0]!.metadata.traceparent).toBe(`00-${sends[1]!.traceId}-${sends[1]!.spanId}-01`);
  });
});
