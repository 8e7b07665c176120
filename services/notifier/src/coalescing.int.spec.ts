import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import type { ServiceBusClient } from '@azure/service-bus';
import { Registry } from 'prom-client';
import { commandIdFor, parseServerFrames, type MessageFrame, type NotifierCommand } from '@parley/contracts';
import { createBusClient, createLogger } from '@parley/service-kit';
import { eventually, startServiceBus, type StandIn } from '@parley/testkit';
import { loadConfig, type NotifierConfig } from './config.js';
import { buildNotifier, type Notifier } from './service.js';
import { writeNotificationsConfig } from './testing/broker-config.js';
import { sendCommandsInSession, takeDeadLetter } from './testing/bus.js';
import { startRestStandIn, type RecordedRequest, type RestStandIn } from './testing/rest-stand-in.js';

const hub = 'chat';
const accessKey = 'notifier-test-key-0123456789abcdef';
const frame = (text: string): MessageFrame => ({ type: 'message', id: `s-${text}`, clientId: `c-${text}`, from: 'alice', text, at: new Date().toISOString() });
const toGroup = (group: string, text: string): NotifierCommand => ({ action: 'sendToGroup', hub, group, frame: frame(text) });
const toUser = (userId: string, text: string): NotifierCommand => ({ action: 'sendToUser', hub, userId, frame: frame(text) });
const groupPath = (group: string) => `/ws/api/v1/hubs/chat/groups/${encodeURIComponent(group)}`;
const userPath = (user: string) => `/ws/api/v1/hubs/chat/users/${encodeURIComponent(user)}`;

/** The texts one request delivered, in order, read as a client reads a frame (a batch or one frame). */
const textsOf = (request: RecordedRequest): string[] => {
  const read = parseServerFrames(request.body);
  if (!read.ok) throw new Error(`${request.url} carried an unreadable body: ${read.error.message}`);
  return read.value.map((f) => (f.type === 'message' ? f.text : f.type));
};
/** Holds the first call of a test, so the rest of a session's backlog is surely in hand when it ends. */
const SLOW_FIRST_CALL_MS = 300;
const isBatch = (request: RecordedRequest) => (JSON.parse(request.body) as { type?: string }).type === 'batch';

/**
 * The notifier per batch, between the real broker and a scripted REST stand-in: a session's
 * backlog (queued while no notifier runs) is taken as one batch, and its sends to one target
 * share a REST call, without changing what each target receives or in which order.
 */
describe('notifier coalescing a session backlog into fewer REST calls', () => {
  let servicebus: StandIn;
  let standIn: RestStandIn;
  let bus: ServiceBusClient;
  let config: NotifierConfig;
  let notifier: Notifier | undefined;
  let registry: Registry;

  const metricValue = async (name: string, labels: Record<string, string> = {}, metricName = name) =>
    ((await registry.getSingleMetric(name)?.get())?.values ?? [])
      .filter((v) => ((v as { metricName?: string }).metricName ?? name) === metricName && Object.entries(labels).every(([k, val]) => v.labels[k] === val))
      .reduce((sum, v) => sum + v.value, 0);
  const start = () => {
    registry = new Registry();
    notifier = buildNotifier({ bus, logger: createLogger('notifier', 'silent'), registry }, config);
    notifier.start();
  };

  beforeAll(async () => {
    servicebus = await startServiceBus({ config: writeNotificationsConfig({ maxDeliveryCount: 3 }) });
    standIn = await startRestStandIn(accessKey);
    config = loadConfig({
      SIGNALR_CONNECTION_STRING: `Endpoint=http://127.0.0.1;Port=${new URL(standIn.baseUrl).port};AccessKey=${accessKey};Version=1.0;`,
      SERVICEBUS_CONNECTION_STRING: servicebus.connectionString,
      MAX_CONCURRENT_SESSIONS: '4',
      RETRY_BASE_MS: '20',
      RETRY_MAX_ATTEMPTS: '2',
    });
    bus = createBusClient(config.bus);
  });

  afterEach(async () => {
    await notifier?.stop();
    notifier = undefined;
  });

  afterAll(async () => {
    await bus?.close();
    await standIn?.close();
    await servicebus?.stop();
  });

  it('makes one call per target between barriers, keeping each target’s order and the barrier’s place', async () => {
    const room = 'room:coalesce';
    const join: NotifierCommand = { action: 'addUserToGroup', hub, group: room, userId: 'carol' };
    const commands: NotifierCommand[] = [
      toGroup(room, 'a1'),
      toUser('bob', 'b1'),
      toGroup(room, 'a2'),
      toGroup(room, 'a3'),
      toUser('bob', 'b2'),
      join,
      toGroup(room, 'a4'),
      toUser('bob', 'b3'),
      toGroup(room, 'a5'),
      // Last in the session: once it is delivered, everything before it was handled.
      toGroup(room, 'marker'),
    ];
    // The first call is slow, so whatever the first batch held, the rest of the backlog is in hand together after it.
    standIn.script(groupPath(room), [{ status: 202, delayMs: SLOW_FIRST_CALL_MS }, { status: 202 }]);
    await sendCommandsInSession(bus, 'p-05', commands);
    start();
    await eventually(() => standIn.requestsTo(groupPath(room)).some((r) => r.status === 202 && r.body.includes('"marker"')), 'the marker');
    await eventually(async () => (await metricValue('parley_consumer_messages_total', { outcome: 'completed' })) >= commands.length, 'every command completed');

    const joinPath = `${groupPath(room)}/users/carol`;
    const relevant = standIn.requests.filter((r) => [groupPath(room), userPath('bob'), joinPath].includes(r.url.split('?')[0]!));
    onTestFailed(() => console.log(relevant.map((r) => `${r.method} ${r.url} ${r.status} ${r.body.slice(0, 120)}`).join('\n')));
    const sends = relevant.filter((r) => r.method === 'POST');
    // What each target received, in order, each frame once.
    expect(sends.filter((r) => r.url === groupPath(room)).flatMap(textsOf)).toEqual(['a1', 'a2', 'a3', 'a4', 'a5', 'marker']);
    expect(sends.filter((r) => r.url === userPath('bob')).flatMap(textsOf)).toEqual(['b1', 'b2', 'b3']);
    expect(sends.every((r) => r.status === 202 && r.authValid && r.contentType?.startsWith('application/json'))).toBe(true);
    // Fewer calls than sends, frames carried as batches.
    expect(sends.length).toBeLessThan(commands.length - 1);
    expect(sends.some(isBatch)).toBe(true);
    // The membership change once, after every frame queued before it and before every frame after it.
    const joins = relevant.filter((r) => r.method === 'PUT');
    expect(joins.map((r) => [r.url, r.status])).toEqual([[joinPath, 202]]);
    const at = (text: string) => relevant.findIndex((r) => r.method === 'POST' && textsOf(r).includes(text));
    const joinAt = relevant.indexOf(joins[0]!);
    for (const before of ['a1', 'a2', 'a3', 'b1', 'b2']) expect(at(before), before).toBeLessThan(joinAt);
    for (const after of ['a4', 'a5', 'b3', 'marker']) expect(at(after), after).toBeGreaterThan(joinAt);

    // Each command completed exactly once; nothing dead-lettered or given back.
    expect(await metricValue('parley_consumer_messages_total', { outcome: 'completed' })).toBe(commands.length);
    expect(await metricValue('parley_consumer_messages_total', { outcome: 'abandoned' })).toBe(0);
    expect(await metricValue('parley_notifier_dead_letters_total')).toBe(0);
    // The frames-per-call histogram: every send counted once, in fewer calls.
    expect(await metricValue('parley_notifier_frames_per_call', {}, 'parley_notifier_frames_per_call_sum')).toBe(commands.length - 1);
    expect(await metricValue('parley_notifier_frames_per_call', {}, 'parley_notifier_frames_per_call_count')).toBe(sends.length);
  });

  it('dead-letters only the command the service refuses when a coalesced call is refused, with its reason', async () => {
    const room = 'room:poisoned';
    const refusal = '{"code":"FRAME_REFUSED","message":"this frame is not accepted"}';
    standIn.refuse(groupPath(room), (body) => body.includes('"poison"'), { status: 400, body: refusal });
    standIn.script(groupPath(room), [{ status: 202, delayMs: SLOW_FIRST_CALL_MS }, { status: 202 }]);
    const commands = [toGroup(room, 'ok1'), toGroup(room, 'poison'), toGroup(room, 'ok2'), toGroup(room, 'marker')];
    const causationId = await sendCommandsInSession(bus, 'p-06', commands);
    start();

    const dead = await takeDeadLetter(bus, (m) => m.messageId === commandIdFor(causationId, 1));
    expect(dead.deadLetterReason).toBe('HTTP_400');
    expect(dead.deadLetterErrorDescription).toBe(refusal);
    await eventually(() => standIn.requestsTo(groupPath(room)).some((r) => r.status === 202 && r.body.includes('"marker"')), 'the marker');
    await eventually(async () => (await metricValue('parley_consumer_messages_total', { outcome: 'completed' })) >= 3, 'the other commands completed');

    const calls = standIn.requestsTo(groupPath(room));
    onTestFailed(() => console.log(calls.map((r) => `${r.status} ${r.body.slice(0, 160)}`).join('\n')));
    // The coalesced call was refused as a whole, then each of its commands went alone. Which
    // frames it held depends on what the first receive had in hand: ok1 with poison, or poison with ok2.
    const refusedBatch = calls.find((r) => r.status === 400 && isBatch(r));
    expect(refusedBatch && textsOf(refusedBatch), 'a coalesced call holding the refused frame').toContain('poison');
    expect(calls.filter((r) => r.status === 400 && !isBatch(r)).map(textsOf)).toEqual([['poison']]);
    expect(calls.filter((r) => r.status === 202).flatMap(textsOf)).toEqual(['ok1', 'ok2', 'marker']);
    expect(await metricValue('parley_notifier_dead_letters_total', { reason: 'HTTP_400' })).toBe(1);
    expect(await metricValue('parley_consumer_messages_total', { outcome: 'dead-lettered' })).toBe(1);
    expect(await metricValue('parley_consumer_messages_total', { outcome: 'completed' })).toBe(3);
  });

  it('completes every command of a coalesced call to a connection that is gone (404)', async () => {
    const path = '/ws/api/v1/hubs/chat/connections/gone-9';
    standIn.script(path, [{ status: 404, body: 'connection not found', delayMs: SLOW_FIRST_CALL_MS }, { status: 404, body: 'connection not found' }]);
    const commands: NotifierCommand[] = ['late 1', 'late 2', 'late 3'].map((text) => ({ action: 'sendToConnection', hub, connectionId: 'gone-9', frame: frame(text) }));
    await sendCommandsInSession(bus, 'p-07', commands);
    start();
    await eventually(async () => (await metricValue('parley_consumer_messages_total', { outcome: 'completed' })) === commands.length, 'all three completed');
    const calls = standIn.requestsTo(path);
    expect(calls.flatMap(textsOf)).toEqual(['late 1', 'late 2', 'late 3']);
    expect(calls.length).toBeLessThan(commands.length);
    expect(await metricValue('parley_notifier_gone_connections_total', { action: 'sendToConnection' })).toBe(commands.length);
    expect(await metricValue('parley_notifier_dead_letters_total')).toBe(0);
  });

  it('gives a coalesced call that keeps failing back, then delivers its frames once each, in order', async () => {
    const room = 'room:flaky';
    // Two attempts fail (the REST client's retries for one delivery), then the service answers.
    standIn.script(groupPath(room), [{ status: 503, delayMs: SLOW_FIRST_CALL_MS }, { status: 503 }, { status: 202 }]);
    const commands = ['f1', 'f2', 'f3'].map((text) => toGroup(room, text));
    await sendCommandsInSession(bus, 'p-08', commands);
    start();
    await eventually(async () => (await metricValue('parley_consumer_messages_total', { outcome: 'completed' })) === commands.length, 'all three completed');
    const calls = standIn.requestsTo(groupPath(room));
    onTestFailed(() => console.log(calls.map((r) => `${r.status} ${r.body.slice(0, 160)}`).join('\n')));
    expect(calls.filter((r) => r.status === 202).flatMap(textsOf)).toEqual(['f1', 'f2', 'f3']);
    // The first command went back to the broker once; the ones after it waited here, never overtaking it.
    expect(await metricValue('parley_consumer_messages_total', { outcome: 'abandoned' })).toBe(1);
    expect(await metricValue('parley_notifier_transient_failures_total', { code: 'PARLEY_NOTIFIER_REST_UNAVAILABLE' })).toBe(1);
    expect(await metricValue('parley_notifier_dead_letters_total')).toBe(0);
  });
});
