import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import type { ServiceBusClient } from '@azure/service-bus';
import { createBusClient } from '@parley/service-kit';
import { eventually, pinoEntries, pinoReady, shutdownStepsDone, startProcess, startServiceBus, type RunningProcess, type StandIn } from '@parley/testkit';
import { sendCommands } from './testing/bus.js';
import { startRestStandIn, type RestStandIn } from './testing/rest-stand-in.js';

const accessKey = 'notifier-test-key-0123456789abcdef';
const mainTs = fileURLToPath(new URL('./main.ts', import.meta.url));

const startNotifier = (env: Record<string, string>) =>
  startProcess({ name: 'notifier', command: process.execPath, args: ['--import', 'tsx', mainTs], env: { PORT: '0', ...env }, ready: pinoReady, readyTimeoutMs: 60_000 });

/** The service as the orchestrator and k8s run it: a process that logs "ready", serves ops endpoints and stops on SIGTERM. */
describe('notifier process', () => {
  let servicebus: StandIn;
  let standIn: RestStandIn;
  let bus: ServiceBusClient;
  let notifier: RunningProcess;
  let opsUrl: string;

  beforeAll(async () => {
    servicebus = await startServiceBus();
    standIn = await startRestStandIn(accessKey);
    bus = createBusClient({ kind: 'connectionString', connectionString: servicebus.connectionString });
    notifier = await startNotifier({
      SIGNALR_CONNECTION_STRING: `Endpoint=http://127.0.0.1;Port=${new URL(standIn.baseUrl).port};AccessKey=${accessKey};Version=1.0;`,
      SERVICEBUS_CONNECTION_STRING: servicebus.connectionString,
      MAX_CONCURRENT_SESSIONS: '2',
    });
    opsUrl = `http://127.0.0.1:${Number(notifier.readyInfo.port)}`;
  });

  afterAll(async () => {
    await notifier?.stop();
    await bus?.close();
    await standIn?.close();
    await servicebus?.stop();
  });

  it('logs one ready line with the ephemeral port and serves /healthz, /readyz and /metrics', async () => {
    expect(notifier.readyInfo).toMatchObject({ service: 'notifier', msg: 'ready', websocketService: 'signalr', serviceUrl: `http://127.0.0.1:${new URL(standIn.baseUrl).port}` });
    expect(Number(notifier.readyInfo.port)).toBeGreaterThan(0);
    expect((await fetch(`${opsUrl}/healthz`)).status).toBe(200);
    await eventually(async () => (await fetch(`${opsUrl}/readyz`)).status === 200, '/readyz to answer 200');

    await sendCommands(bus, [{ action: 'sendToAll', hub: 'chat', frame: { type: 'presence', user: 'bob', online: true } }]);
    await eventually(() => standIn.requestsTo('/ws/api/v1/hubs/chat').length === 1, 'the broadcast');
    const metrics = await eventually(async () => {
      const text = await (await fetch(`${opsUrl}/metrics`)).text();
      // The call is counted before the message is settled, so wait for both.
      return /parley_consumer_messages_total\{[^}]*outcome="completed"[^}]*\} 1/.test(text) && text;
    }, 'the completed command in /metrics');
    expect(metrics).toContain('parley_notifier_rest_calls_total{action="sendToAll",status="202",service="notifier"} 1');
    expect(metrics).toMatch(/parley_notifier_rest_seconds_bucket\{[^}]*action="sendToAll"/);
  });

  it('logs commandId, causationId and traceparent for a command', async () => {
    standIn.script('/ws/api/v1/hubs/chat/users/zoe', [{ status: 503 }, { status: 202 }]);
    const causationId = await sendCommands(bus, [{ action: 'sendToUser', hub: 'chat', userId: 'zoe', frame: { type: 'presence', user: 'bob', online: false } }]);
    const line = await eventually(() => notifier.output().find((l) => l.includes('REST call failed; retrying') && l.includes(causationId)), 'the retry log line');
    const fields = JSON.parse(line) as Record<string, unknown>;
    expect(fields).toMatchObject({ commandId: `${causationId}-000`, causationId, eventId: causationId, action: 'sendToUser', userId: 'zoe', status: 503 });
    expect(fields.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });

  it('stops in order on SIGTERM and exits 0', async () => {
    const code = await notifier.stop(20_000);
    expect(code, notifier.output().slice(-12).join('\n')).toBe(0);
    const logged = pinoEntries(notifier.output());
    // The order of the steps is the contract. The final line is checked apart: pino writes
    // asynchronously and flushes synchronously on exit, so "stopped" can overtake a line still in flight.
    expect(shutdownStepsDone(notifier.output())).toEqual([
      'stop consuming, finish in-flight, close the HTTP pool',
      'ops server',
      'bus client',
    ]);
    expect(logged.some((entry) => entry.msg === 'stopped')).toBe(true);
  });

  it('names the Web PubSub dialect in its ready line when it speaks it', async () => {
    const port = new URL(standIn.baseUrl).port;
    const webPubSub = await startNotifier({
      WEBSOCKET_SERVICE: 'webpubsub',
      WEBPUBSUB_CONNECTION_STRING: `Endpoint=http://127.0.0.1;Port=${port};AccessKey=${accessKey};Version=1.0;`,
      SERVICEBUS_CONNECTION_STRING: servicebus.connectionString,
    });
    try {
      expect(webPubSub.readyInfo).toMatchObject({ msg: 'ready', websocketService: 'webpubsub', serviceUrl: `http://127.0.0.1:${port}` });
      expect(Object.keys(webPubSub.readyInfo)).not.toContain('signalr');
    } finally {
      expect(await webPubSub.stop(20_000)).toBe(0);
    }
  });

  it('refuses to start with a bad configuration, naming the variable', async () => {
    const error = await startNotifier({ SIGNALR_CONNECTION_STRING: 'Endpoint=http://x', SERVICEBUS_CONNECTION_STRING: servicebus.connectionString }).catch((e: unknown) => e);
    expect(String(error)).toMatch(/exited \(2\)/);
    expect(String(error)).toMatch(/SIGNALR_CONNECTION_STRING: connection string has no AccessKey/);
  });
});
