import { rm } from 'node:fs/promises';
import { binPath, pinoReady, startAzurite, startProcess, startServiceBus, type RunningProcess, type StandIn } from '@parley/testkit';
import { isolatedDir } from './harness.js';

/** A real chat-worker process over the real broker and Azurite, for CLI tests that need events applied. */
export interface WorkerFixture {
  readonly dir: string;
  readonly azurite: StandIn;
  readonly broker: StandIn;
  readonly worker: RunningProcess;
  /** What the CLI and the worker read: the connection strings and an isolated stack file. */
  readonly env: Record<string, string>;
  /** The sum of a worker metric's samples, optionally of one `outcome`. */
  metric(name: string, outcome?: string): Promise<number>;
  stop(): Promise<void>;
}

export async function startWorkerFixture(): Promise<WorkerFixture> {
  const { dir, stackFile } = await isolatedDir();
  const [azurite, broker] = await Promise.all([startAzurite(), startServiceBus()]);
  // The CLI runs with the default PARTITIONS (64).
  const env = { SERVICEBUS_CONNECTION_STRING: broker.connectionString, TABLES_CONNECTION_STRING: azurite.connectionString, PARLEY_STACK_FILE: stackFile };
  let worker: RunningProcess;
  try {
    worker = await startProcess({
      name: 'chat-worker',
      command: binPath('tsx'),
      args: ['services/chat-worker/src/main.ts'],
      env: { ...env, PORT: '0' },
      ready: pinoReady,
      readyTimeoutMs: 120_000,
    });
  } catch (error) {
    await Promise.all([azurite.stop(), broker.stop()]);
    throw error;
  }
  return {
    dir,
    azurite,
    broker,
    worker,
    env,
    async metric(name, outcome) {
      const text = await (await fetch(`http://127.0.0.1:${String(worker.readyInfo.port)}/metrics`)).text();
      return text
        .split('\n')
        .filter((line) => line.startsWith(name) && (outcome === undefined || line.includes(`outcome="${outcome}"`)))
        .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
    },
    async stop() {
      await worker.stop();
      await Promise.all([azurite.stop(), broker.stop()]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
