import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import type { ServiceBusClient } from '@azure/service-bus';
import { Registry } from 'prom-client';
import { BusEntities, type MessageFrame, type NotifierCommand } from '@parley/contracts';
import { createBusClient, createLogger, startTracing } from '@parley/service-kit';
import { eventually, startServiceBus, type StandIn } from '@parley/testkit';
import { loadConfig } from './config.js';
import { buildNotifier } from './service.js';
import { writeNotificationsConfig } from './testing/broker-config.js';
import { commandMessage, nextCausationId } from './testing/bus.js';
import { startRestStandIn, type RestStandIn } from './testing/rest-stand-in.js';

interface ExportedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  links?: Array<{ traceId: string; spanId: string }>;
  attributes: Array<{ key: string; value: Record<string, unknown> }>;
}
const SPAN_KIND_CONSUMER = 5;
const SPAN_KIND_CLIENT = 3;
const attribute = (span: ExportedSpan, key: string) => Object.values(span.attributes.find((a) => a.key === key)?.value ?? {})[0];

const hub = 'chat';
const accessKey = 'notifier-test-key-0123456789abcdef';
const frame = (text: string): MessageFrame => ({ type: 'message', id: `s-${text}`, clientId: `c-${text}`, from: 'alice', text, at: new Date().toISOString() });

/**
 * Traces of a coalesced call, exported over OTLP/HTTP to a local collector: each command keeps
 * its own CONSUMER span continuing its producer's trace, the call's CLIENT span sits under the
 * first command's span, and the other commands' spans link to that one.
 */
describe('notifier traces when several commands share a REST call', () => {
  let collector: Server;
  let endpoint: string;
  const bodies: Array<{ resourceSpans: Array<{ scopeSpans: Array<{ spans: ExportedSpan[] }> }> }> = [];
  const spans = () => bodies.flatMap((body) => body.resourceSpans.flatMap((resource) => resource.scopeSpans.flatMap((scope) => scope.spans)));
  let servicebus: StandIn;
  let standIn: RestStandIn;
  let bus: ServiceBusClient;

  beforeAll(async () => {
    collector = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        if (request.url === '/v1/traces') bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as (typeof bodies)[number]);
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    collector.listen(0, '127.0.0.1');
    await once(collector, 'listening');
    const address = collector.address();
    endpoint = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    servicebus = await startServiceBus({ config: writeNotificationsConfig({ maxDeliveryCount: 3 }) });
    standIn = await startRestStandIn(accessKey);
  });

  afterAll(async () => {
    await bus?.close();
    await standIn?.close();
    await servicebus?.stop();
    await new Promise<void>((resolve) => collector.close(() => resolve()));
  });

  it('keeps one consumer span per command; the call under the first, the others linked to it', async () => {
    const tracing = startTracing('notifier', { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' });
    const config = loadConfig({
      SIGNALR_CONNECTION_STRING: `Endpoint=http://127.0.0.1;Port=${new URL(standIn.baseUrl).port};AccessKey=${accessKey};Version=1.0;`,
      SERVICEBUS_CONNECTION_STRING: servicebus.connectionString,
      MAX_CONCURRENT_SESSIONS: '2',
    });
    bus = createBusClient(config.bus);
    const group = 'room:traced';
    const commands: NotifierCommand[] = ['t1', 't2', 't3'].map((text) => ({ action: 'sendToGroup', hub, group, frame: frame(text) }));
    // Queued before the notifier runs, so the session's backlog is one batch: one call for the three.
    const causationId = nextCausationId();
    const messages = commands.map((command, index) => commandMessage(command, causationId, index));
    const sender = bus.createSender(BusEntities.notificationsQueue);
    await sender.sendMessages(messages);
    await sender.close();
    const notifier = buildNotifier({ bus, logger: createLogger('notifier', 'silent'), registry: new Registry() }, config);
    notifier.start();
    const path = `/ws/api/v1/hubs/chat/groups/${encodeURIComponent(group)}`;
    await eventually(() => standIn.requestsTo(path).some((r) => r.body.includes('"t3"')), 'the third frame');
    await notifier.stop();
    await tracing.shutdown();

    const all = spans();
    onTestFailed(() => console.log(all.map((s) => `${s.name} ${s.spanId} <- ${s.parentSpanId ?? ''} links ${JSON.stringify(s.links ?? [])}`).join('\n')));
    expect(standIn.requestsTo(path)).toHaveLength(1);
    const parents = messages.map((message) => {
      const [, traceId, spanId] = String(message.applicationProperties!.traceparent).split('-');
      return { traceId: traceId!, spanId: spanId! };
    });
    const consumers = parents.map((parent) => {
      const found = all.filter((s) => s.name === 'process notifications' && s.traceId === parent.traceId);
      expect(found, `the consumer span of trace ${parent.traceId}`).toHaveLength(1);
      expect(found[0]).toMatchObject({ kind: SPAN_KIND_CONSUMER, parentSpanId: parent.spanId });
      return found[0]!;
    });
    expect(consumers.map((span) => attribute(span, 'parley.command_id'))).toEqual(messages.map((message) => message.messageId));
    const [first, ...others] = consumers;
    const calls = all.filter((s) => s.kind === SPAN_KIND_CLIENT && s.name === 'REST sendToGroup');
    expect(calls.map((call) => [call.traceId, call.parentSpanId])).toEqual([[first!.traceId, first!.spanId]]);
    expect(attribute(first!, 'parley.rest.frames')).toBe(3);
    for (const other of others) expect(other.links).toEqual([expect.objectContaining({ traceId: first!.traceId, spanId: first!.spanId })]);
  });
});
