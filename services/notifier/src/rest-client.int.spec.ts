import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { Registry } from 'prom-client';
import { createLogger, PermanentError } from '@parley/service-kit';
import { NotifierErrorCodes, TransientRestError } from './errors.js';
import { createNotifierMetrics, type NotifierMetrics } from './metrics.js';
import { createRestClient, type RestClient, type RestClientOptions } from './rest-client.js';
import { startRestStandIn, type RestStandIn } from './testing/rest-stand-in.js';
import { createUndiciTransport, toSeedRequest } from '@parley/websocket-rest';

const accessKey = 'notifier-test-key-0123456789abcdef';
const logger = createLogger('notifier-test', 'silent');
const frame = { type: 'presence', user: 'bob', online: true } as const;
const groupSend = toSeedRequest({ action: 'sendToGroup', hub: 'chat', group: 'room:dev', frame });
const groupPath = '/ws/api/v1/hubs/chat/groups/room%3Adev';

describe('REST client against a scripted stand-in', () => {
  let standIn: RestStandIn;
  let clients: RestClient[] = [];
  let metrics: NotifierMetrics;
  let registry: Registry;

  type Overrides = Partial<Omit<RestClientOptions, 'transport'>> & { baseUrl?: string; connections?: number };
  const client = ({ baseUrl, connections, ...overrides }: Overrides = {}) => {
    registry = new Registry();
    metrics = createNotifierMetrics(registry);
    const transport = createUndiciTransport({ baseUrl: baseUrl ?? standIn.baseUrl, accessKey, connections: connections ?? 4, connectTimeoutMs: 2_000 });
    const made = createRestClient({
      transport,
      requestTimeoutMs: 2_000,
      retry: { maxAttempts: 4, baseMs: 20, maxDelayMs: 3_000 },
      metrics,
      ...overrides,
    });
    clients.push(made);
    return made;
  };
  const metric = async (name: string, labels: Record<string, string>) => {
    const values = (await registry.getSingleMetric(name)?.get())?.values ?? [];
    return values.find((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val))?.value ?? 0;
  };

  beforeAll(async () => {
    standIn = await startRestStandIn(accessKey);
  });
  afterEach(async () => {
    await Promise.all(clients.map((c) => c.close()));
    clients = [];
    standIn.requests.length = 0;
  });
  afterAll(async () => {
    await standIn?.close();
  });

  it('sends the frame as JSON with a valid token whose aud is the URL, over kept-alive sockets', async () => {
    const rest = client({ connections: 1 });
    for (let i = 0; i < 3; i++) expect(await rest.call(groupSend, logger)).toEqual({ kind: 'done', status: 202, attempts: 1 });
    const seen = standIn.requestsTo(groupPath);
    expect(seen).toHaveLength(3);
    for (const request of seen) {
      expect(request).toMatchObject({ method: 'POST', authValid: true, contentType: 'application/json' });
      expect(JSON.parse(request.body)).toEqual(frame);
    }
    expect(new Set(seen.map((r) => r.remotePort)).size).toBe(1);
  });

  it('retries 503 and 429 with back-off until the service accepts', async () => {
    standIn.script(groupPath, [{ status: 503 }, { status: 429 }, { status: 503 }, { status: 202 }]);
    const rest = client();
    expect(await rest.call(groupSend, logger)).toEqual({ kind: 'done', status: 202, attempts: 4 });
    expect(standIn.requestsTo(groupPath)).toHaveLength(4);
    expect(await metric('parley_notifier_rest_retries_total', { action: 'sendToGroup', cause: '503' })).toBe(2);
    expect(await metric('parley_notifier_rest_retries_total', { action: 'sendToGroup', cause: '429' })).toBe(1);
    expect(await metric('parley_notifier_rest_calls_total', { action: 'sendToGroup', status: '202' })).toBe(1);
  });

  it('honours Retry-After in seconds', async () => {
    standIn.script(groupPath, [{ status: 429, headers: { 'retry-after': '1' } }, { status: 202 }]);
    // A random draw of 0 would retry at once if Retry-After were ignored.
    const rest = client({ random: () => 0 });
    expect(await rest.call(groupSend, logger)).toMatchObject({ kind: 'done', attempts: 2 });
    const [first, second] = standIn.requestsTo(groupPath);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(900);
  });

  it('honours Retry-After as an HTTP date', async () => {
    const at = new Date(Math.ceil(Date.now() / 1_000) * 1_000 + 1_000);
    standIn.script(groupPath, [{ status: 503, headers: { 'retry-after': at.toUTCString() } }, { status: 202 }]);
    const rest = client({ random: () => 0 });
    await rest.call(groupSend, logger);
    const [, second] = standIn.requestsTo(groupPath);
    expect(second!.at).toBeGreaterThanOrEqual(at.getTime() - 100);
  });

  it('gives the command back when Retry-After is longer than the max delay', async () => {
    standIn.script(groupPath, [{ status: 429, headers: { 'retry-after': '60' } }, { status: 202 }]);
    const error = await client().call(groupSend, logger).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientRestError);
    expect(error).toMatchObject({ code: NotifierErrorCodes.restUnavailable, status: 429, attempts: 1 });
    expect(standIn.requestsTo(groupPath)).toHaveLength(1);
  });

  it('throws a transient error once the attempts are used up', async () => {
    standIn.script(groupPath, [{ status: 503 }]);
    const error = await client().call(groupSend, logger).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: NotifierErrorCodes.restUnavailable, status: 503, attempts: 4, retryable: true });
    expect(standIn.requestsTo(groupPath)).toHaveLength(4);
  });

  it('makes other 4xx permanent, with the status as reason and the body as description, without retrying', async () => {
    standIn.script(groupPath, [{ status: 400, body: '{"code":"BAD","message":"group name too long"}' }]);
    const error = await client().call(groupSend, logger).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentError);
    expect(error).toMatchObject({ reason: 'HTTP_400', message: '{"code":"BAD","message":"group name too long"}' });
    expect(standIn.requestsTo(groupPath)).toHaveLength(1);
  });

  it('completes a 404 to a gone connection, but a 404 to a group is permanent', async () => {
    const toConnection = toSeedRequest({ action: 'sendToConnection', hub: 'chat', connectionId: 'gone', frame });
    standIn.script('/ws/api/v1/hubs/chat/connections/gone', [{ status: 404 }]);
    expect(await client().call(toConnection, logger)).toEqual({ kind: 'gone', status: 404, attempts: 1 });
    standIn.script(groupPath, [{ status: 404, body: 'no such hub' }]);
    await expect(client().call(groupSend, logger)).rejects.toMatchObject({ reason: 'HTTP_404', message: 'no such hub' });
  });

  it('retries a request that times out, then gives up with a timeout code', async () => {
    standIn.script(groupPath, [{ status: 202, delayMs: 600 }]);
    const error = await client({ requestTimeoutMs: 150, retry: { maxAttempts: 2, baseMs: 10, maxDelayMs: 100 } })
      .call(groupSend, logger)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: NotifierErrorCodes.restTimeout, attempts: 2 });
    expect(await metric('parley_notifier_rest_calls_total', { action: 'sendToGroup', status: 'timeout' })).toBe(2);
  });

  it('retries network errors, then gives up with a network code', async () => {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    server.close();
    await once(server, 'close');
    const error = await client({ baseUrl: `http://127.0.0.1:${port}`, retry: { maxAttempts: 3, baseMs: 10, maxDelayMs: 100 } })
      .call(groupSend, logger)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: NotifierErrorCodes.restNetwork, attempts: 3 });
    expect(await metric('parley_notifier_rest_retries_total', { action: 'sendToGroup', cause: 'network' })).toBe(2);
  });

  it('stops waiting between retries when interrupted for shutdown', async () => {
    standIn.script(groupPath, [{ status: 503, headers: { 'retry-after': '10' } }, { status: 202 }]);
    const rest = client({ retry: { maxAttempts: 4, baseMs: 20, maxDelayMs: 30_000 } });
    const started = Date.now();
    const pending = rest.call(groupSend, logger).catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 200));
    rest.interrupt();
    const error = await pending;
    expect(error).toMatchObject({ code: NotifierErrorCodes.restUnavailable, attempts: 1 });
    expect((error as Error).message).toContain('shutting down');
    // Without the interrupt the call would wait the 10 s the service asked for.
    expect(Date.now() - started).toBeLessThan(8_000);
  });
});
