import { odata, type TableClient } from '@azure/data-tables';
import { eventsPartitionKey, keyPart } from '@parley/contracts';
import { partitionPrefixFilter } from '../tables.js';
import type { StoredEvent } from './replay-message.js';

const COLUMNS = ['PartitionKey', 'RowKey', 'type', 'hub', 'receivedAt', 'envelope'];

async function* rows(table: TableClient, filter?: string, select = COLUMNS): AsyncGenerator<StoredEvent> {
  try {
    const options = { queryOptions: { select, ...(filter ? { filter } : {}) } };
    for await (const entity of table.listEntities<Omit<StoredEvent, 'partitionKey' | 'rowKey'>>(options)) {
      yield entity as StoredEvent;
    }
  } catch (error) {
    // No events table yet: an empty log.
    if ((error as { statusCode?: unknown }).statusCode === 404) return;
    throw error;
  }
}

/** One hour of one hub, in event id order (the service sorts rows of a partition by row key). */
export function readHour(table: TableClient, hub: string, hour: Date): AsyncGenerator<StoredEvent> {
  return rows(table, odata`PartitionKey eq ${eventsPartitionKey(hub, hour)}`);
}

/**
 * The whole log, or one hub's part: partitions sort by hub and then hour, rows
 * by event id, so each hub comes in time order. A prefix can also match a hub
 * whose name extends this one's (`chat` and `chat_2`); callers check `hub`.
 */
export function readLog(table: TableClient, hub?: string, select?: string[]): AsyncGenerator<StoredEvent> {
  return rows(table, hub === undefined ? undefined : partitionPrefixFilter(`${keyPart(hub)}_`), select);
}
