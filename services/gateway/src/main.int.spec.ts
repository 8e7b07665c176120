import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { binPath, pinoEntries, pinoReady, shutdownStepsDone, startProcess, startServiceBus, type RunningProcess, type StandIn } from '@parley/testkit';
import { testEnv, upstreamHeaders } from './testing/support.js';

describe('the gateway process (main.ts)', () => {
  let bus: StandIn;
  let gateway: RunningProcess;
  let base: string;
  let opsBase: string;

  beforeAll(async () => {
    bus = await startServiceBus();
    gateway = await startProcess({
      name: 'gateway',
      command: binPath('parley-gateway'),
      args: [],
      env: testEnv({ SERVICEBUS_CONNECTION_STRING: bus.connectionString, LOG_LEVEL: 'info', OPS_PORT: '0' }),
      ready: pinoReady,
    });
    base = `http://127.0.0.1:${Number(gateway.readyInfo.port)}`;
    opsBase = `http://127.0.0.1:${Number(gateway.readyInfo.opsPort)}`;
  });
  afterAll(async () => {
    await gateway?.stop();
    await bus?.stop();
  });

  it('logs one ready line with the ephemeral public and ops ports it listens on', () => {
    expect(gateway.readyInfo).toMatchObject({ msg: 'ready', service: 'gateway', port: expect.any(Number), opsPort: expect.any(Number) });
    expect(Number(gateway.readyInfo.port)).toBeGreaterThan(0);
    expect(gateway.readyInfo.opsPort).not.toBe(gateway.readyInfo.port);
    expect(gateway.output().filter((line) => pinoReady(line))).toHaveLength(1);
  });

  it('serves /healthz, /readyz and /metrics on the ops port only', async () => {
    expect((await request(`${opsBase}/healthz`)).statusCode).toBe(200);
    const ready = await request(`${opsBase}/readyz`);
    expect(ready.statusCode).toBe(200);
    expect(await ready.body.json()).toEqual({ status: 'ready', checks: { bus: true } });
    for (const path of ['/healthz', '/readyz', '/metrics']) {
      const response = await request(`${base}${path}`);
      await response.body.dump();
      expect(response.statusCode, path).toBe(404);
    }
  });

  it('acks a signed frame after the bus accepted it', async () => {
    const response = await request(`${base}/api/messages?event=message`, {
      method: 'POST',
      headers: { ...upstreamHeaders({ event: 'message', userId: 'alice', connectionId: 'proc-1' }), 'content-type': 'text/plain' },
      body: JSON.stringify({ type: 'send', id: 'p1', text: 'hi' }),
    });
    expect(response.statusCode).toBe(200);
    expect(await response.body.json()).toEqual({ type: 'ack', id: 'p1', ok: true });
    const metrics = await (await request(`${opsBase}/metrics`)).body.text();
    expect(metrics).toMatch(/parley_gateway_bus_send_seconds_count\{[^}]*outcome="accepted"[^}]*\} [1-9]/);
  });

  it('shuts down in order on SIGTERM and exits 0', async () => {
    const code = await gateway.stop();
    expect(code).toBe(0);
    const logged = pinoEntries(gateway.output());
    // The order of the steps is the contract. The final line is checked apart: pino writes
    // asynchronously and flushes synchronously on exit, so "stopped" can overtake a line still in flight.
    expect(shutdownStepsDone(gateway.output())).toEqual(['http', 'ops server', 'bus sender', 'bus client']);
    expect(logged.some((entry) => entry.msg === 'stopped')).toBe(true);
  });
});

describe('the gateway process with a bad configuration', () => {
  async function fatalOf(env: Record<string, string | undefined>) {
    const lines: string[] = [];
    await expect(
      startProcess({ name: 'gateway-bad', command: binPath('parley-gateway'), args: [], env: testEnv({ LOG_LEVEL: 'info', ...env }), ready: pinoReady, onLine: (line) => lines.push(line) }),
    ).rejects.toThrow(/exited \(2\)/);
    return lines.map((line) => JSON.parse(line) as Record<string, unknown>).find((line) => line.level === 60);
  }

  it('stops at once with exit code 2 and a message naming the variable', async () => {
    expect(await fatalOf({ TOKEN_SIGNING_KEY: 'too-short' })).toMatchObject({ variable: 'TOKEN_SIGNING_KEY', code: 'PARLEY_CONFIG_INVALID', msg: expect.stringMatching(/^TOKEN_SIGNING_KEY: /) });
  });

  it('does not fall back to development sign-in when AUTH_MODE is unset', async () => {
    expect(await fatalOf({ AUTH_MODE: undefined })).toMatchObject({ variable: 'AUTH_MODE', code: 'PARLEY_CONFIG_INVALID', msg: expect.stringMatching(/^AUTH_MODE: is required: oidc .* or development/) });
  });

  it('does not start with Entra ID handler auth that names no caller', async () => {
    const entra = {
      WEBSOCKET_SERVICE: 'webpubsub',
      SIGNALR_CONNECTION_STRING: undefined,
      SIGNALR_SECONDARY_KEY: undefined,
      WEBPUBSUB_ENDPOINT: 'https://parley-test.webpubsub.azure.com',
      WEBPUBSUB_HANDLER_AUDIENCE: 'api://parley-webpubsub-events',
      AZURE_TENANT_ID: '33333333-3333-3333-3333-333333333333',
    };
    expect(await fatalOf(entra)).toMatchObject({ variable: 'WEBPUBSUB_HANDLER_ALLOWED_OBJECT_IDS', code: 'PARLEY_CONFIG_INVALID' });
  });
});
