import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceBusClient } from '@azure/service-bus';
import { pinoEntries, pinoReady, shutdownStepsDone, startAzurite, startProcess, startServiceBus, type RunningProcess, type StandIn } from '@parley/testkit';
import { drainNotifications, events, sendEvents, testBusClient } from './testing/bus.js';

const mainTs = fileURLToPath(new URL('./main.ts', import.meta.url));

function startWorkerProcess(env: Record<string, string | undefined>): Promise<RunningProcess> {
  return startProcess({
    name: 'chat-worker',
    // One process, as in the container (the tsx CLI would add a parent that relays signals).
    command: process.execPath,
    args: ['--import', 'tsx', mainTs],
    env: { PORT: '0', LOG_LEVEL: 'info', MAX_CONCURRENT_SESSIONS: '2', ...env },
    ready: pinoReady,
  });
}

describe('chat-worker process (src/main.ts)', { timeout: 90_000 }, () => {
  let bus: StandIn;
  let azurite: StandIn;
  let client: ServiceBusClient;
  let worker: RunningProcess;
  let base: string;

  beforeAll(async () => {
    [bus, azurite] = await Promise.all([startServiceBus(), startAzurite()]);
    client = testBusClient(bus.connectionString);
    worker = await startWorkerProcess({ SERVICEBUS_CONNECTION_STRING: bus.connectionString, TABLES_CONNECTION_STRING: azurite.connectionString });
    base = `http://127.0.0.1:${Number(worker.readyInfo.port)}`;
  });
  afterAll(async () => {
    await worker?.kill();
    await client?.close();
    await Promise.all([bus?.stop(), azurite?.stop()]);
  });

  it('logs one ready line with the actual ops port, and serves /healthz and /readyz', async () => {
    expect(Number(worker.readyInfo.port)).toBeGreaterThan(0);
    expect(worker.output().filter((line) => pinoReady(line))).toHaveLength(1);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { consumer: true } });
  });

  it('turns an event from chat-events into a notifier command and counts it in /metrics', async () => {
    const event = events.message({ user: 'alice', connectionId: 'conn-1' }, { type: 'send', id: 'c1', text: 'hello from the process' });
    await sendEvents(client, [event]);
    const [command] = await drainNotifications(client, 1);
    expect(command?.messageId).toBe(`${event.metadata.eventId}-000`);
    expect(command?.body).toMatchObject({ data: { action: 'sendToAll', frame: { text: 'hello from the process', from: 'alice' } } });

    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/parley_worker_events_total\{[^}]*type="message\.send"[^}]*outcome="applied"[^}]*\} 1/);
    expect(metrics).toContain('parley_consumer_messages_total');
  });

  it('stops in order on SIGTERM and exits 0', async () => {
    const code = await worker.stop(20_000);
    expect(code, worker.output().slice(-12).join('\n')).toBe(0);
    const logged = pinoEntries(worker.output());
    // The order of the steps is the contract. The final line is checked apart: pino writes
    // asynchronously and flushes synchronously on exit, so "stopped" can overtake a line still in flight.
    expect(shutdownStepsDone(worker.output())).toEqual([
      'stop consumer (in-flight events finish)',
      'ops server',
      'publisher',
      'bus client',
    ]);
    expect(logged.some((entry) => entry.msg === 'stopped')).toBe(true);
  });

  it('with RETENTION_DAYS, stops the sweep first, before the consumer', async () => {
    const keeping = await startWorkerProcess({ SERVICEBUS_CONNECTION_STRING: bus.connectionString, TABLES_CONNECTION_STRING: azurite.connectionString, RETENTION_DAYS: '30' });
    expect(keeping.readyInfo.retentionDays).toBe(30);
    expect(await keeping.stop(20_000)).toBe(0);
    const sweep = 'stop retention sweep (after its current transaction)';
    const rest = ['stop consumer (in-flight events finish)', 'ops server', 'publisher', 'bus client'];
    expect(shutdownStepsDone(keeping.output()), keeping.output().slice(-30).join('\n')).toEqual([sweep, ...rest]);
  });

  it('refuses to start without table settings, naming the variable', async () => {
    const failure = await startWorkerProcess({ SERVICEBUS_CONNECTION_STRING: bus.connectionString, TABLES_CONNECTION_STRING: '' }).catch((error: Error) => error);
    expect(failure).toBeInstanceOf(Error);
    expect(String(failure)).toContain('TABLES_CONNECTION_STRING: is required');
    expect(String(failure)).toMatch(/exited \(2\)/);
  });
});
