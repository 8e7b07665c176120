import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServiceBusClient, type ServiceBusReceivedMessage, type ServiceBusReceiver } from '@azure/service-bus';
import { startServiceBusEmulator, type ServiceBusEmulator } from '../index.js';

/** Entity properties in Config.json spelling. */
export type EntityProps = Record<string, string | number | boolean>;

export interface TestEntities {
  queues?: Record<string, EntityProps>;
  topics?: Record<string, { props?: EntityProps; subscriptions: Record<string, Record<string, unknown>> }>;
}

/** A Config.json document in Microsoft's emulator format. */
export function configJson(entities: TestEntities): object {
  return {
    UserConfig: {
      Namespaces: [
        {
          Name: 'sbemulatorns',
          Queues: Object.entries(entities.queues ?? {}).map(([Name, Properties]) => ({ Name, Properties })),
          Topics: Object.entries(entities.topics ?? {}).map(([Name, t]) => ({
            Name,
            Properties: t.props ?? {},
            Subscriptions: Object.entries(t.subscriptions).map(([SubName, { Rules, ...Properties }]) => ({
              Name: SubName,
              Properties,
              ...(Rules ? { Rules } : {}),
            })),
          })),
        },
      ],
      Logging: { Type: 'Console' },
    },
  };
}

export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export function writeConfig(dir: string, entities: TestEntities): string {
  const file = join(dir, 'Config.json');
  writeFileSync(file, JSON.stringify(configJson(entities)));
  return file;
}

export interface Broker {
  emulator: ServiceBusEmulator;
  client: ServiceBusClient;
  close(): Promise<void>;
}

/** An in-process broker on an ephemeral port with a real SDK client. */
export async function startBroker(entities: TestEntities, options: { dataDir?: string; maxMessageSize?: number } = {}): Promise<Broker> {
  const emulator = await startServiceBusEmulator({ config: configJson(entities) as { UserConfig: unknown }, ...options });
  const client = new ServiceBusClient(emulator.connectionString, { retryOptions: { maxRetries: 1, retryDelayInMs: 200, timeoutInMs: 10_000 } });
  return {
    emulator,
    client,
    async close() {
      await client.close();
      await emulator.close();
    },
  };
}

/** Polls until `check` returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Receives and completes until a message with body `last` arrives (a positive wait: the sender
 * sends `last` after what it tests), then closes the receiver. Fails naming what did arrive.
 */
export async function receiveUntil(receiver: ServiceBusReceiver, last: string): Promise<ServiceBusReceivedMessage[]> {
  const out: ServiceBusReceivedMessage[] = [];
  try {
    while (!out.some((m) => m.body === last)) {
      const got = await receiver.receiveMessages(20, { maxWaitTimeInMs: 2000 });
      if (got.length === 0) throw new Error(`${receiver.entityPath}: '${last}' never arrived; got ${JSON.stringify(out.map((m) => m.body))}`);
      for (const m of got) await receiver.completeMessage(m);
      out.push(...got);
    }
  } finally {
    await receiver.close();
  }
  return out;
}
