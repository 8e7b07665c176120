import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Stack, type StackOptions } from './stack.js';
import type { Scale } from './scale.js';

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
