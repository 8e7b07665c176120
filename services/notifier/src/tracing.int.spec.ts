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
    // Queued before the notifier runs, the first call slow: the backlog shares calls whichever way it is batched.
    const path = `/ws/api/v1/hubs/chat/groups/${encodeURIComponent(group)}`;
    standIn.script(path, [{ status: 202, delayMs: 300 }, { status: 202 }]);
    const causationId = nextCausationId();
    const messages = commands.map((command, index) => commandMessage(command, causationId, index));
    const sender = bus.createSender(BusEntities.notificationsQueue);
    await sender.sendMessages(messages);
    await sender.close();
    const notifier = buildNotifier({ bus, logger: createLogger('notifier', 'silent'), registry: new Registry() }, config);
    notifier.start();
    await eventually(() => standIn.requestsTo(path).some((r) => r.body.includes('"t3"')), 'the third frame');
    await notifier.stop();
    await tracing.shutdown();

    const all = spans();
    onTestFailed(() => console.log(all.map((s) => `${s.name} ${s.spanId} <- ${s.parentSpanId ?? ''} links ${JSON.stringify(s.links ?? [])}`).join('\n')));
    const requests = standIn.requestsTo(path);
    expect(requests.length).toBeLessThan(commands.length);
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
    // Each call is a CLIENT span under the consumer span of the first command it carried.
    const calls = all.filter((s) => s.kind === SPAN_KIND_CLIENT && s.name === 'REST sendToGroup');
    expect(calls).toHaveLength(requests.length);
    const carriers = calls.map((call) => consumers.find((span) => span.traceId === call.traceId && span.spanId === call.parentSpanId));
    expect(carriers.every((carrier) => carrier !== undefined)).toBe(true);
    expect(carriers).toContain(consumers[0]);
    // The other commands of a shared call link to that span, which counts the frames.
    const riders = consumers.filter((span) => !carriers.includes(span));
    expect(riders.length).toBe(commands.length - requests.length);
    for (const rider of riders) {
      expect(rider.links).toHaveLength(1);
      const carrier = carriers.find((span) => span!.spanId === rider.links![0]!.spanId && span!.traceId === rider.links![0]!.traceId);
      expect(carrier, `the span ${rider.spanId} links to`).toBeDefined();
      expect(attribute(carrier!, 'parley.rest.frames')).toBeGreaterThan(1);
    }
  });
});
