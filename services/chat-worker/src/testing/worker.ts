import { TableClient } from '@azure/data-tables';
import type { ServiceBusClient, ServiceBusReceivedMessage } from '@azure/service-bus';
import { Tables, type NotifierCommand } from '@parley/contracts';
import { createBusClient } from '@parley/service-kit';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { ServiceBusCommandPublisher } from '../publisher/servicebus-publisher.js';
import { buildWorker, type Worker } from '../service.js';
import type { ChatStore } from '../store/chat-store.js';
import { TableChatStore } from '../store/table-store.js';

export interface TestWorker {
  readonly worker: Worker;
  readonly registry: Registry;
  readonly store: TableChatStore;
  /** Every log line the worker wrote (debug and up), parsed. */
  readonly logs: Record<string, unknown>[];
  /** Messages the consumer settled, by outcome (completed, invalid, dead-lettered, abandoned). */
  settled(outcome?: string): Promise<number>;
  stop(): Promise<void>;
}

export interface TestWorkerOptions {
  bus: string;
  tables: string;
  hub?: string;
  /** Wraps the real store, e.g. to inject a crash after a step. */
  wrapStore?: (store: ChatStore) => ChatStore;
  maxConcurrentSessions?: number;
  /** Delay before a failed message is abandoned (default 100 ms). */
  retryDelayMs?: number;
  /** The connection cap and tombstone life (default: the worker's defaults). */
  presence?: { maxConnectionsPerUser: number; tombstoneMs: number };
}

/** The worker built in-process with the real adapters, as main.ts wires it, on its own bus client. */
export async function startTestWorker(options: TestWorkerOptions): Promise<TestWorker> {
  const registry = new Registry();
  // Capture the worker's own log lines (they carry messageId, deliveryCount, eventId); echo them when asked.
  const logs: Record<string, unknown>[] = [];
  const echoLevel = process.env.TEST_LOG_LEVEL ? pino.levels.values[process.env.TEST_LOG_LEVEL] : undefined;
  const logger = pino(
    { level: 'debug', base: { service: 'chat-worker' } },
    {
      write(line: string) {
        const parsed = JSON.parse(line) as Record<string, unknown>;
        logs.push(parsed);
        if (echoLevel !== undefined && Number(parsed.level) >= echoLevel) process.stdout.write(line);
      },
    },
  );
  const store = new TableChatStore({ kind: 'connectionString', connectionString: options.tables });
  await store.init();
  const busClient: ServiceBusClient = createBusClient({ kind: 'connectionString', connectionString: options.bus });
  const publisher = new ServiceBusCommandPublisher(busClient, 64);
  const worker = buildWorker(
    { busClient, store: options.wrapStore ? options.wrapStore(store) : store, publisher, logger, registry },
    {
      hub: options.hub ?? 'chat',
      historyDefaultLimit: 50,
      maxConcurrentSessions: options.maxConcurrentSessions ?? 4,
      ...(options.presence ? { presence: options.presence } : {}),
      consumer: { sessionIdleMs: 500, retryDelayMs: () => options.retryDelayMs ?? 100 },
    },
  );
  worker.start();
  return {
    worker,
    logs,
    registry,
    store,
    async settled(outcome) {
      const metric = registry.getSingleMetric('parley_consumer_messages_total');
      if (!metric) return 0;
      const { values } = await metric.get();
      return values.filter((v) => outcome === undefined || v.labels.outcome === outcome).reduce((sum, v) => sum + v.value, 0);
    },
    async stop() {
      await worker.stop();
      await publisher.close();
      await busClient.close();
    },
  };
}

/** Polls until the check passes (no fixed sleeps), failing with the last value seen. */
export async function waitFor<T>(read: () => Promise<T> | T, pass: (value: T) => boolean, timeoutMs = 30_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T;
  for (;;) {
    last = await read();
    if (pass(last)) return last;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

type Row = Record<string, unknown>;

/** Every row of a table, in key order, without the service's own fields (etag, timestamp). */
export async function tableRows(connectionString: string, table: string): Promise<Row[]> {
  const client = TableClient.fromConnectionString(connectionString, table, { allowInsecureConnection: true });
  const rows: Row[] = [];
  for await (const entity of client.listEntities<Row>()) {
    const { etag: _etag, timestamp: _timestamp, ...rest } = entity as Row;
    rows.push(rest);
  }
  return rows;
}

/** All of the worker's tables, for comparing two runs. */
export async function snapshotTables(connectionString: string): Promise<Record<string, Row[]>> {
  const snapshot: Record<string, Row[]> = {};
  for (const table of Object.values(Tables)) snapshot[table] = await tableRows(connectionString, table);
  return snapshot;
}

export interface ReceivedCommand {
  readonly commandId: string;
  readonly causationId: string;
  readonly sessionId: string;
  readonly command: NotifierCommand;
}

/** Notifier commands grouped by the event that caused them, each list in command-id order. */
export function commandsByEvent(messages: readonly ServiceBusReceivedMessage[]): Map<string, ReceivedCommand[]> {
  const byEvent = new Map<string, ReceivedCommand[]>();
  for (const message of messages) {
    const body = message.body as { data: NotifierCommand; metadata: { commandId: string; causationId: string } };
    const entry = { commandId: String(message.messageId), causationId: body.metadata.causationId, sessionId: String(message.sessionId), command: body.data };
    byEvent.set(entry.causationId, [...(byEvent.get(entry.causationId) ?? []), entry]);
  }
  for (const list of byEvent.values()) list.sort((a, b) => a.commandId.localeCompare(b.commandId));
  return byEvent;
}
