import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, freePort, pinoEntries, pinoReady, shutdownStepsDone, startProcess, startServiceBus, type RunningProcess, type StandIn } from '@parley/testkit';
import { ExitCodes, KitErrorCodes } from './errors.js';

const fixture = fileURLToPath(new URL('./testing/fixture-service.ts', import.meta.url));

let bus: StandIn;
const running: RunningProcess[] = [];
beforeAll(async () => {
  bus = await startServiceBus();
});
afterAll(async () => {
  for (const process of running) await process.kill();
  await bus?.stop();
});

async function startFixture(env: Record<string, string>, ready: (line: string) => Record<string, unknown> | undefined = pinoReady) {
  const lines: string[] = [];
  const process = await startProcess({
    name: 'fixture',
    command: globalThis.process.execPath,
    args: ['--import', 'tsx', fixture],
    env: { SERVICEBUS_CONNECTION_STRING: bus.connectionString, PORT: '0', LOG_LEVEL: 'info', ...env },
    ready,
    onLine: (line) => lines.push(line),
  });
  running.push(process);
  const { child } = process;
  const exited = child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { process, lines, exited, opsUrl: `http://127.0.0.1:${Number(process.readyInfo.port)}` };
}

describe('runService with a consumer', { timeout: 90_000 }, () => {
  it('answers /healthz before it consumes, then /readyz once the consumer reaches the broker', async () => {
    // Ready as soon as the ops server logs that it listens; the service is still starting.
    const listening = (line: string) => {
      const parsed = line.startsWith('{') ? (JSON.parse(line) as { msg?: string; component?: string }) : {};
      const port = /listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(parsed.msg ?? '')?.[1];
      return parsed.component === 'ops' && port ? { port } : undefined;
    };
    const { process, lines, opsUrl } = await startFixture({ START_DELAY_MS: '1500' }, listening);
    expect((await fetch(`${opsUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${opsUrl}/readyz`)).status).toBe(503);
    expect(pinoEntries(lines).some((line) => line.msg === 'consumer started')).toBe(false);
    await eventually(async () => (await fetch(`${opsUrl}/readyz`)).status === 200, '/readyz 200 once consuming');
    // No deprecation warning at start (FSTDEP023 came from the ops server's fastify options).
    expect(lines.filter((line) => /FSTDEP|DeprecationWarning/.test(line))).toEqual([]);
    expect(await process.stop()).toBe(ExitCodes.ok);
  });

  // A generous bound: on a loaded machine the SDK's link attach and its refusal take a while.
  it('stops the consumer and fails /healthz when the entity does not exist (the pod gets restarted)', async () => {
    const { process, lines, opsUrl } = await startFixture({ QUEUE: 'no-such-queue' });
    const health = await eventually(async () => {
      const response = await fetch(`${opsUrl}/healthz`);
      return response.status === 503 ? ((await response.json()) as unknown) : undefined;
    }, '/healthz to fail', 60_000);
    expect(health).toEqual({ status: 'failing', checks: { consumer: false } });
    expect((await fetch(`${opsUrl}/readyz`)).status).toBe(503);
    const fatal = pinoEntries(lines).filter((line) => line.level === 60);
    expect(fatal).toHaveLength(1);
    expect(fatal[0]).toMatchObject({ code: KitErrorCodes.consumerStopped, err: expect.objectContaining({ code: 'MessagingEntityNotFound' }) });
    // No retry loop after a fatal error: nothing more is logged about accepting.
    const before = lines.length;
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(pinoEntries(lines.slice(before)).filter((line) => String(line.msg).includes('accepting'))).toEqual([]);
    expect(await process.stop()).toBe(ExitCodes.ok);
  });
});

describe('runService when the broker goes away for a while', { timeout: 180_000 }, () => {
  it('turns not ready but stays alive, retries with back-off, and is ready again once the broker is back', async () => {
    const port = await freePort();
    let own = await startServiceBus({ port });
    try {
      const { process, lines, opsUrl } = await startFixture({ SERVICEBUS_CONNECTION_STRING: own.connectionString });
      await eventually(async () => (await fetch(`${opsUrl}/readyz`)).status === 200, 'ready with the broker up', 60_000);
      await own.stop();
      await eventually(async () => (await fetch(`${opsUrl}/readyz`)).status === 503, 'not ready with the broker down', 60_000);
      expect((await fetch(`${opsUrl}/healthz`)).status).toBe(200);
      await eventually(() => pinoEntries(lines).some((line) => line.msg === 'accepting a session failed; backing off' && Number(line.delayMs) > 0), 'a back-off logged', 60_000);
      own = await startServiceBus({ port });
      await eventually(async () => (await fetch(`${opsUrl}/readyz`)).status === 200, 'ready again with the broker back', 120_000);
      expect((await fetch(`${opsUrl}/healthz`)).status).toBe(200);
      expect(pinoEntries(lines).filter((line) => line.level === 60)).toEqual([]);
      expect(await process.stop()).toBe(ExitCodes.ok);
    } finally {
      await own.stop();
    }
  });
});

describe('runService on faults', { timeout: 90_000 }, () => {
  it.each([
    ['an unhandled rejection', 'rejection', 'unhandled rejection; shutting down'],
    ['an uncaught exception', 'exception', 'uncaught exception; shutting down'],
  ])('logs %s as fatal, shuts down in order and exits 1', async (_name, fault, message) => {
    const { lines, exited } = await startFixture({ FAULT: fault });
    expect(await exited).toBe(ExitCodes.failure);
    const parsed = pinoEntries(lines);
    expect(parsed.find((line) => line.level === 60)).toMatchObject({ code: KitErrorCodes.processFault, msg: message });
    expect(shutdownStepsDone(lines)).toEqual(['consumer', 'ops server', 'bus client']);
  });

  it('exits 2 with the variable named when the configuration is invalid', async () => {
    const failure = await startFixture({ FAULT: 'sometimes' }).catch((error: Error) => error);
    expect(String(failure)).toMatch(/exited \(2\)/);
    expect(String(failure)).toContain('FAULT: must be one of');
  });
});
