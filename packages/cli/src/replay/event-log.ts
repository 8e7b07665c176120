import { odata, type TableClient } from '@azure/data-tables';
import { eventsHourKeys, EVENT_LOG_SHARDS, keyPart } from '@parley/contracts';
import type { StoredEvent } from './replay-message.js';

const COLUMNS = ['PartitionKey', 'RowKey', 'type', 'hub', 'receivedAt', 'envelope'];

const isMissingTable = (error: unknown) => (error as { statusCode?: unknown }).statusCode === 404;

async function* rows(table: TableClient, filter: string, select = COLUMNS): AsyncGenerator<StoredEvent> {
  try {
    for await (const entity of table.listEntities<Omit<StoredEvent, 'partitionKey' | 'rowKey'>>({ queryOptions: { select, filter } })) {
      yield entity as StoredEvent;
    }
  } catch (error) {
    // No events table yet: an empty log.
    if (isMissingTable(error)) return;
    throw error;
  }
}

/**
 * Rows of several partitions as one stream in row key (event id) order: each partition comes
 * sorted from the service, so a k-way merge of their streams keeps memory to one row each.
 */
async function* mergeByRowKey(sources: AsyncGenerator<StoredEvent>[]): AsyncGenerator<StoredEvent> {
  const heads = await Promise.all(sources.map((source) => source.next()));
  for (;;) {
    let next = -1;
    for (const [index, head] of heads.entries()) {
      if (head.done) continue;
      if (next < 0 || head.value.rowKey < (heads[next]!.value as StoredEvent).rowKey) next = index;
    }
    if (next < 0) return;
    yield heads[next]!.value as StoredEvent;
    heads[next] = await sources[next]!.next();
  }
}

/** The partitions of one hour (`<hub>_yyyyMMddHH`, as a key prefix): its shards and the hour's partition of older logs. */
function hourPartitions(hour: string): string[] {
  return [hour, ...Array.from({ length: EVENT_LOG_SHARDS }, (_, shard) => `${hour}_${String(shard).padStart(2, '0')}`)];
}

function readPartitions(table: TableClient, partitions: readonly string[], select?: string[]): AsyncGenerator<StoredEvent> {
  return mergeByRowKey(partitions.map((partitionKey) => rows(table, odata`PartitionKey eq ${partitionKey}`, select)));
}

/**
 * One hour of one hub, in event id order: the hour is spread over EVENT_LOG_SHARDS partitions
 * by user (and logs written before that hold it in one), merged by event id.
 */
export function readHour(table: TableClient, hub: string, hour: Date): AsyncGenerator<StoredEvent> {
  return readPartitions(table, eventsHourKeys(hub, hour));
}

const HOUR_KEY = /^(.*_\d{10})(?:_\d{2})?$/;

/** The first partition key in [from, to), or undefined: one small range query, however big the log. */
async function firstPartition(table: TableClient, from: string, to: string | undefined, inclusive: boolean): Promise<string | undefined> {
  const lower = inclusive ? odata`PartitionKey ge ${from}` : odata`PartitionKey gt ${from}`;
  const filter = to === undefined ? lower : `${lower} and ${odata`PartitionKey lt ${to}`}`;
  try {
    // The service may answer a range query with empty pages and a continuation: follow them.
    for await (const page of table.listEntities({ queryOptions: { filter, select: ['PartitionKey'] } }).byPage({ maxPageSize: 1 })) {
      if (page.length > 0) return page[0]!.partitionKey;
    }
  } catch (error) {
    if (isMissingTable(error)) return undefined;
    throw error;
  }
  return undefined;
}

/**
 * The whole log, or one hub's part, hour after hour, each hour in event id order. Hours are found
 * by skipping from one to the next (a range query for the first key past the hour's last shard),
 * then each is read as a merge of its partitions. A prefix can also match a hub whose name
 * extends this one's (`chat` and `chat_2`); callers check `hub`.
 */
export async function* readLog(table: TableClient, hub?: string, select?: string[]): AsyncGenerator<StoredEvent> {
  const prefix = hub === undefined ? '' : `${keyPart(hub)}_`;
  const end = hub === undefined ? undefined : prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
  let partition = await firstPartition(table, prefix, end, true);
  while (partition !== undefined) {
    const hour = HOUR_KEY.exec(partition)?.[1];
    if (hour === undefined) {
      // Not an hour of the log (a stray row): read it alone, as before.
      yield* readPartitions(table, [partition], select);
      partition = await firstPartition(table, partition, end, false);
      continue;
    }
    yield* readPartitions(table, hourPartitions(hour), select);
    // `~` sorts after `_` and every digit: past the hour's last shard.
    partition = await firstPartition(table, `${hour}_~`, end, true);
  }
}
