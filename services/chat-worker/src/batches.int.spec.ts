import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceBusClient } from '@azure/service-bus';
import { Tables, type ChatEvent } from '@parley/contracts';
import { startAzurite, startServiceBus, type StandIn } from '@parley/testkit';
import { drainNotifications, events, parleyBusConfig, readDeadLetters, sendEvents, testBusClient } from './testing/bus.js';
import { commandsByEvent, startTestWorker, tableRows, waitFor, type TestWorker } from './testing/worker.js';

/**
 * A backlog of one user's events, waiting on the bus before the worker starts, is handled
 * as batches: the appends to the event log share transactions, the notifier commands share
 * bus sends, and every event's effect is what it would be one at a time, in order.
 */
describe('chat-worker: a session backlog handled in batches', { timeout: 90_000 }, () => {
  let bus: StandIn;
  let azurite: StandIn;
  let client: ServiceBusClient;
  let worker: TestWorker | undefined;

  beforeAll(async () => {
    [bus, azurite] = await Promise.all([startServiceBus({ config: parleyBusConfig({ notifications: { RequiresDuplicateDetection: false } }) }), startAzurite()]);
    client = testBusClient(bus.connectionString);
  });
  afterAll(async () => {
    await worker?.stop();
    await client?.close();
    await Promise.all([bus?.stop(), azurite?.stop()]);
  });

  /** A counter's total, or one series of a histogram (`<name>_count`, `<name>_sum`). */
  const metricSum = async (name: string, labels: Record<string, string> = {}) => {
    const histogramPart = /_(count|sum)$/.exec(name);
    const metric = worker!.registry.getSingleMetric(histogramPart ? name.slice(0, histogramPart.index) : name);
    const { values } = await metric!.get();
    return values
      .filter((value) => !histogramPart || (value as { metricName?: string }).metricName === name)
      .filter((value) => Object.entries(labels).every(([key, wanted]) => value.labels[key] === wanted))
      .reduce((sum, value) => sum + value.value, 0);
  };

  it('stores and announces every event in order, with shared appends, and dead-letters only the bad one', async () => {
    const carol = { user: 'carol', connectionId: 'conn-carol-1' };
    const sends = Array.from({ length: 30 }, (_, i) => events.message(carol, { type: 'send', id: `b-${i}`, room: 'batch', text: `line ${i}` }));
    const foreign = events.message({ ...carol, hub: 'elsewhere' }, { type: 'send', id: 'foreign', room: 'batch', text: 'wrong hub' });
    const backlog: ChatEvent[] = [events.connected(carol), events.message(carol, { type: 'join', id: 'j-1', room: 'batch' }), ...sends.slice(0, 15), foreign, ...sends.slice(15)];
    await sendEvents(client, backlog);

    worker = await startTestWorker({ bus: bus.connectionString, tables: azurite.connectionString });
    await waitFor(() => worker!.settled(), (n) => n >= backlog.length, 60_000, 'the whole backlog settled');

    // Every message stored once, in send order.
    const rows = (await tableRows(azurite.connectionString, Tables.messages)).filter((row) => row.messageId !== undefined && row.from === 'carol');
    expect(rows.map((row) => row.text).sort((a, b) => Number(String(a).split(' ')[1]) - Number(String(b).split(' ')[1]))).toEqual(sends.map((_, i) => `line ${i}`));
    expect(new Set(rows.map((row) => row.clientId)).size).toBe(30);

    // Each event's commands, in the order the events came; the room hears the lines in send order.
    const drained = await drainNotifications(client, 2 + 2 + 30);
    const byEvent = commandsByEvent(drained);
    const announced = sends.map((event) => byEvent.get(event.metadata.eventId)?.map((c) => c.command.action));
    expect(announced.every((actions) => actions?.includes('sendToGroup'))).toBe(true);
    // One session holds the room's commands, so the drained order is the broker's order.
    const roomLines = drained
      .map((message) => (message.body as { data: { action: string; frame?: { type: string; text?: string } } }).data)
      .filter((command) => command.action === 'sendToGroup' && command.frame?.type === 'message')
      .map((command) => command.frame?.text);
    expect(roomLines).toEqual(sends.map((_, i) => `line ${i}`));

    // The event of another hub was refused for good, alone.
    const [dead] = await readDeadLetters(client, 1);
    expect(dead!.deadLetterReason).toBe('PARLEY_WORKER_HUB_MISMATCH');
    expect(await worker.settled('completed')).toBe(backlog.length - 1);

    // Batches happened: more than one event per batch, and appends in shared transactions.
    const batches = await metricSum('parley_consumer_batch_size_count');
    const batched = await metricSum('parley_consumer_batch_size_sum');
    expect(batched).toBe(backlog.length);
    expect(batches).toBeLessThan(backlog.length);
    expect(await metricSum('parley_worker_table_requests_total', { table: Tables.events, operation: 'transaction' })).toBeGreaterThan(0);
  });
});
