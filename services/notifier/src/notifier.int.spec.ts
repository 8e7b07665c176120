import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceBusClient } from '@azure/service-bus';
import { Registry } from 'prom-client';
import { commandIdFor, parseServerFrames, unwrap, type MessageFrame, type NotifierCommand } from '@parley/contracts';
import { createBusClient, createLogger } from '@parley/service-kit';
import { startServiceBus, type StandIn } from '@parley/testkit';
import { loadConfig } from './config.js';
import { buildNotifier, type Notifier } from './service.js';
import { writeNotificationsConfig } from './testing/broker-config.js';
import { sendCommands, sendRaw, takeDeadLetter } from './testing/bus.js';
import { startRestStandIn, type RecordedRequest, type RestStandIn } from './testing/rest-stand-in.js';
import { eventually } from '@parley/testkit';

const hub = 'chat';
const accessKey = 'notifier-test-key-0123456789abcdef';
const MAX_DELIVERY_COUNT = 2;
const RETRY_MAX_ATTEMPTS = 3;
const frame = (text: string): MessageFrame => ({ type: 'message', id: `s-${text}`, clientId: `c-${text}`, from: 'alice', text, at: new Date().toISOString() });
const groupPath = (group: string) => `/ws/api/v1/hubs/chat/groups/${encodeURIComponent(group)}`;
const toGroup = (group: string, text: string): NotifierCommand => ({ action: 'sendToGroup', hub, group, frame: frame(text) });
/** The texts one request delivered, in order: a batch frame's or the one frame's. */
const textsOf = (request: RecordedRequest): string[] =>
  unwrap(parseServerFrames(request.body)).map((f) => (f.type === 'message' ? f.text : f.type));

/** The notifier between the real broker and a scripted stand-in of the REST API. */
describe('notifier with the real broker against a scripted REST stand-in', () => {
  let servicebus: StandIn;
  let standIn: RestStandIn;
  let bus: ServiceBusClient;
  let notifier: Notifier;
  let registry: Registry;

  const metric = async (name: string, labels: Record<string, string> = {}) =>
    ((await registry.getSingleMetric(name)?.get())?.values ?? [])
      .filter((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val))
      .reduce((sum, v) => sum + v.value, 0);
  /** A later command to the same target shares its session, so once it arrives everything before it is settled. */
  const marker = async (group: string) => {
    await sendCommands(bus, [toGroup(group, 'marker')]);
    await eventually(() => standIn.requestsTo(groupPath(group)).some((r) => r.body.includes('"marker"') && r.status === 202), `the marker to ${group}`);
  };

  beforeAll(async () => {
    servicebus = await startServiceBus({ config: writeNotificationsConfig({ maxDeliveryCount: MAX_DELIVERY_COUNT }) });
    standIn = await startRestStandIn(accessKey);
    const config = loadConfig({
      SIGNALR_CONNECTION_STRING: `Endpoint=http://127.0.0.1;Port=${new URL(standIn.baseUrl).port};AccessKey=${accessKey};Version=1.0;`,
      SERVICEBUS_CONNECTION_STRING: servicebus.connectionString,
      MAX_CONCURRENT_SESSIONS: '4',
      RETRY_MAX_ATTEMPTS: String(RETRY_MAX_ATTEMPTS),
      RETRY_BASE_MS: '20',
      RETRY_MAX_DELAY_MS: '3000',
      REQUEST_TIMEOUT_MS: '2000',
    });
    bus = createBusClient(config.bus);
    registry = new Registry();
    notifier = buildNotifier({ bus, logger: createLogger('notifier', 'silent'), registry }, config);
    notifier.start();
  });

  afterAll(async () => {
    await notifier?.stop();
    await bus?.close();
    await standIn?.close();
    await servicebus?.stop();
  });

  it('retries 503 and 429, honours Retry-After, then completes the command once', async () => {
    const group = 'room:retry';
    standIn.script(groupPath(group), [{ status: 503 }, { status: 429, headers: { 'retry-after': '1' } }, { status: 202 }]);
    await sendCommands(bus, [toGroup(group, 'hello')]);
    await marker(group);
    const calls = standIn.requestsTo(groupPath(group));
    expect(calls.map((c) => c.status)).toEqual([503, 429, 202, 202]);
    expect(calls.every((c) => c.authValid)).toBe(true);
    expect(calls[2]!.at - calls[1]!.at).toBeGreaterThanOrEqual(900);
    expect(await metric('parley_notifier_rest_retries_total', { action: 'sendToGroup' })).toBeGreaterThanOrEqual(2);
  });

  it('keeps the order of commands to one target while one of them is retried', async () => {
    const group = 'room:order';
    standIn.script(groupPath(group), [{ status: 503 }, { status: 503 }, { status: 202 }]);
    const texts = ['one', 'two', 'three', 'four', 'five'];
    await sendCommands(bus, texts.map((t) => toGroup(group, t)));
    // Sends that reach the session together share a call (a batch frame): count frames, not calls.
    const delivered = () => standIn.requestsTo(groupPath(group)).filter((r) => r.status === 202).flatMap(textsOf);
    await eventually(() => delivered().length === texts.length, 'all five sends');
    expect(delivered()).toEqual(texts);
  });

  it('dead-letters a permanent 4xx with the status as reason and the body as description, without retrying', async () => {
    const group = 'room:forbidden';
    const body = '{"code":"SIGNALR_AUTH_AUDIENCE","message":"wrong audience"}';
    standIn.script(groupPath(group), [{ status: 403, body }]);
    const causationId = await sendCommands(bus, [toGroup(group, 'nope')]);
    const dead = await takeDeadLetter(bus, (m) => m.messageId === commandIdFor(causationId, 0));
    expect(dead.deadLetterReason).toBe('HTTP_403');
    expect(dead.deadLetterErrorDescription).toBe(body);
    expect((dead.body as { metadata: { causationId: string } }).metadata.causationId).toBe(causationId);
    expect(standIn.requestsTo(groupPath(group))).toHaveLength(1);
    expect(await metric('parley_notifier_dead_letters_total', { reason: 'HTTP_403' })).toBe(1);
  });

  it('completes sends to a connection that is gone (404) and counts them', async () => {
    const path = '/ws/api/v1/hubs/chat/connections/gone-1';
    standIn.script(path, [{ status: 404, body: 'connection not found' }]);
    const command = (text: string): NotifierCommand => ({ action: 'sendToConnection', hub, connectionId: 'gone-1', frame: frame(text) });
    await sendCommands(bus, [command('late'), command('after')]);
    // One call or two, depending on whether both were in hand at once: each command is completed as gone.
    await eventually(async () => (await metric('parley_notifier_gone_connections_total', { action: 'sendToConnection' })) === 2, 'both sends counted as gone');
    expect(standIn.requestsTo(path).flatMap(textsOf)).toEqual(['late', 'after']);
    expect(standIn.requestsTo(path).every((r) => r.status === 404)).toBe(true);
    expect(await metric('parley_notifier_dead_letters_total', { reason: 'HTTP_404' })).toBe(0);
  });

  it('gives a command that keeps failing back to the broker, which dead-letters it after MaxDeliveryCount', async () => {
    const group = 'room:down';
    standIn.script(groupPath(group), [{ status: 503, body: 'overloaded' }]);
    const causationId = await sendCommands(bus, [toGroup(group, 'doomed')]);
    const dead = await takeDeadLetter(bus, (m) => m.messageId === commandIdFor(causationId, 0), 30_000);
    expect(dead.deadLetterReason).toMatch(/MaxDeliveryCount/i);
    expect(standIn.requestsTo(groupPath(group))).toHaveLength(RETRY_MAX_ATTEMPTS * MAX_DELIVERY_COUNT);
    expect(await metric('parley_notifier_transient_failures_total', { code: 'PARLEY_NOTIFIER_REST_UNAVAILABLE' })).toBe(MAX_DELIVERY_COUNT);
  });

  it('dead-letters an invalid envelope at once with its error code', async () => {
    await sendRaw(bus, {
      body: { type: 'notify.command', version: 1, data: { action: 'explode', hub }, metadata: { commandId: 'bad-1', causationId: 'bad' } },
      contentType: 'application/json',
      messageId: 'bad-1',
      sessionId: 'p-00',
    });
    const dead = await takeDeadLetter(bus, (m) => m.messageId === 'bad-1');
    expect(dead.deadLetterReason).toBe('PARLEY_ENVELOPE_INVALID');
    expect(dead.deadLetterErrorDescription).toMatch(/invalid notifier command/);
  });

  it("stops at once while its session slots wait for work, not after the broker's accept timeout", async () => {
    const idle = buildNotifier(
      { bus, logger: createLogger('notifier', 'silent'), registry: new Registry() },
      loadConfig({ SIGNALR_CONNECTION_STRING: `Endpoint=${standIn.baseUrl};AccessKey=${accessKey}`, SERVICEBUS_CONNECTION_STRING: servicebus.connectionString, MAX_CONCURRENT_SESSIONS: '3' }),
    );
    idle.start();
    const started = Date.now();
    await idle.stop();
    // The SDK waits up to its 10 s operation timeout for a session; stop() used to wait that out.
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
