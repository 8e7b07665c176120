import { odata, type TableClient } from '@azure/data-tables';
import { openTableClient, type TablesConnection } from '@parley/service-kit';

export interface TableStore {
  /** Where the tables live, for messages (`http://127.0.0.1:10002/devstoreaccount1`). */
  readonly url: string;
  table(name: string): TableClient;
}

/** service-kit's table clients (the services' own), with the account's URL for messages. */
export function openTables(connection: TablesConnection): TableStore {
  const url = connection.kind === 'accountUrl' ? connection.accountUrl : openTableClient(connection, 'probe').url;
  return { url, table: (name) => openTableClient(connection, name) };
}

const statusOf = (error: unknown) => (error as { statusCode?: unknown }).statusCode;

/** Every entity of a table, keys only; an absent table has none. */
export async function* listKeys(table: TableClient, filter?: string): AsyncGenerator<{ partitionKey: string; rowKey: string }> {
  try {
    for await (const entity of table.listEntities({ queryOptions: { select: ['PartitionKey', 'RowKey'], ...(filter ? { filter } : {}) } })) {
      yield { partitionKey: entity.partitionKey!, rowKey: entity.rowKey! };
    }
  } catch (error) {
    if (statusOf(error) === 404) return;
    throw error;
  }
}

/**
 * Deletes every entity (or those the filter selects), in transactions of up to 100 per partition. Not
 * delete-and-recreate: Azure refuses to recreate a table for a while after
 * deleting it (409 TableBeingDeleted).
 */
export async function clearTable(table: TableClient, filter?: string): Promise<number> {
  let deleted = 0;
  let batch: { partitionKey: string; rowKeys: string[] } | undefined;
  const flush = async () => {
    if (!batch || batch.rowKeys.length === 0) return;
    const { partitionKey, rowKeys } = batch;
    await table.submitTransaction(rowKeys.map((rowKey) => ['delete', { partitionKey, rowKey }]));
    deleted += rowKeys.length;
    batch = undefined;
  };
  // Deleting rows behind the cursor is safe: a continuation names the next key, not an offset.
  for await (const { partitionKey, rowKey } of listKeys(table, filter)) {
    if (batch && (batch.partitionKey !== partitionKey || batch.rowKeys.length === 100)) await flush();
    batch ??= { partitionKey, rowKeys: [] };
    batch.rowKeys.push(rowKey);
  }
  await flush();
  return deleted;
}

/** Filter on a partition key prefix (the hub's part of the events table). */
export function partitionPrefixFilter(prefix: string): string {
  // The next string after every `prefix…` is prefix with its last character bumped.
  const end = prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
  return odata`PartitionKey ge ${prefix} and PartitionKey lt ${end}`;
}
