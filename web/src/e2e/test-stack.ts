import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStack, type Stack } from '@parley/stack';

/** The whole local stack on ephemeral ports, a throw-away data dir, the page from `webRoot`. */
export async function startStackForPage(webRoot: string): Promise<{ stack: Stack; logs: string[]; cleanup: () => Promise<void> }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'parley-web-e2e-'));
  const logs: string[] = [];
  const stack = await startStack({
    dataDir,
    ephemeralPorts: true,
    env: { gateway: { WEB_ROOT: webRoot } },
    onLine: (component, line) => {
      logs.push(`[${component}] ${line}`);
      if (logs.length > 2000) logs.shift();
      if (process.env.PARLEY_E2E_LOGS) process.stdout.write(`[${component}] ${line}\n`);
    },
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
