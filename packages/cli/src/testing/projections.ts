import { TableClient } from '@azure/data-tables';
import { ServiceBusClient } from '@azure/service-bus';
import { BusEntities, chatEventMessage, PROJECTION_TABLES, type ChatEvent } from '@parley/contracts';
import { sendBySession } from '../replay/send.js';
import { waitFor } from './harness.js';
import type { WorkerFixture } from './worker-fixture.js';

export type ProjectionRows = Record<string, Record<string, unknown>[]>;

/** Every projection table's rows without their ETags and timestamps: what a rebuild must reproduce. */
export async function snapshotProjections(connectionString: string): Promise<ProjectionRows> {
  const tables: ProjectionRows = {};
  for (const name of PROJECTION_TABLES) {
    const rows: Record<string, unknown>[] = [];
    const table = TableClient.fromConnectionString(connectionString, name, { allowInsecureConnection: true });
    for await (const { etag: _etag, timestamp: _timestamp, ...row } of table.listEntities()) rows.push(row);
    tables[name] = rows;
  }
  return tables;
}

/**
 * Sends the events to the fixture's worker on one partition (so the live run decides them in
 * log order, the order a rebuild replays them in) and waits until it has handled them all.
 * Returns how many messages the worker's consumer has counted in all.
 */
export async function handleInLogOrder(fixture: WorkerFixture, events: readonly ChatEvent[], timeoutMs: number): Promise<number> {
  const before = await fixture.metric('parley_consumer_messages_total');
  const bus = new ServiceBusClient(fixture.broker.connectionString);
  try {
    const sender = bus.createSender(BusEntities.chatEventsTopic);
    await sendBySession(sender, events.map((event) => chatEventMessage(event, { partitions: 1 })), () => undefined);
    await sender.close();
  } finally {
    await bus.close();
  }
  return waitFor(() => fixture.metric('parley_consumer_messages_total'), (n) => n >= before + events.length, timeoutMs, 250);
}
