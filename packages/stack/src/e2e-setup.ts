import { mkdtemp, rm } from 'node:fs/promises';
import { afterAll, beforeAll, onTestFailed } from 'vitest';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Stack, type StackOptions } from './stack.js';
import type { Scale } from './scale.js';
import { ChatClient } from './chat-client.js';
import type { ServiceDialect } from './dialect.js';

/** What the end-to-end and fault suites run: two copies of every service, the gateways behind one port. */
export const TWO_OF_EACH: Scale = { gateway: 2, 'chat-worker': 2, notifier: 2 };

/** A whole stack on ephemeral ports with a throw-away data dir; logs kept for failures. */
export async function startTestStack(options: StackOptions = {}): Promise<{ stack: Stack; logs: string[]; cleanup: () => Promise<void> }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'parley-e2e-'));
  const logs: string[] = [];
  const stack = await Stack.start({
    dataDir,
    ephemeralPorts: true,
    onLine: (component, line) => {
      logs.push(`[${component}] ${line}`);
      if (logs.length > 5000) logs.shift();
      if (process.env.PARLEY_E2E_LOGS) process.stdout.write(`[${component}] ${line}\n`);
    },
    ...options,
  });
  return {
    stack,
    logs,
    cleanup: async () => {
      await stack.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

let counter = 0;
/** Unique names per run, so tests in one stack never see each other's users or rooms. */
export const unique = (prefix: string) => `${prefix}-${process.pid.toString(36)}${(counter++).toString(36)}`;

/**
 * One stack per describe block on a dialect (started before its tests, stopped after), with
 * clients that are closed with it. `connect` waits for the client's `state` frame; a failing
 * test prints the stack's last warnings and errors.
 */
export function stackPerSuite(service: ServiceDialect) {
  let stack: Stack | undefined;
  let cleanup: (() => Promise<void>) | undefined;
  let logs: string[] = [];
  const clients: ChatClient[] = [];
  beforeAll(async () => {
    ({ stack, logs, cleanup } = await startTestStack({ inMemory: true, service }));
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await cleanup?.();
  });
  return {
    connect: async (name: string) => {
      onTestFailed(() => console.log(logs.filter((line) => /"level":(40|50|60)/.test(line)).slice(-40).join('\n')));
      const client = await ChatClient.connect(stack!.gatewayUrl, name);
      clients.push(client);
      await client.waitFor((f) => f.type === 'state');
      return client;
    },
    /** The error of the `error` frame that refused the client's frame `id`. */
    refusalOf: async (client: ChatClient, id: string) => (await client.waitFor((f) => f.type === 'error' && f.id === id)).error as { code: string },
  };
}
