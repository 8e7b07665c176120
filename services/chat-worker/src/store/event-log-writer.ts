import { TableTransaction, type TableClient } from '@azure/data-tables';
import { Tables, type EventEntity } from '@parley/contracts';
import { isPermanent } from '@parley/service-kit';
import type { RequestReport } from './chat-store.js';
import { statusOf } from './table-errors.js';

/** Azure's limits for one entity group transaction: 100 operations and 4 MiB; the body budget leaves room for the multipart framing. */
const MAX_ROWS_PER_TRANSACTION = 100;
const MAX_BODY_CHARS_PER_TRANSACTION = 2 * 1024 * 1024;

export type AppendResult = 'appended' | 'exists';

interface PendingAppend {
  readonly entity: EventEntity;
  readonly report: RequestReport | undefined;
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
}

/**
 * The event log's writer. Appends asked for in the same turn of the event loop — the events
 * of a batch, and those of every session this worker holds — go to the table together: one
 * entity group transaction per partition (the log is partitioned by hour and user shard, so a
 * session's events mostly share one). A row that is there already (a redelivered event) fails
 * its whole transaction with 409; then each row of it is inserted alone, so every append
 * still learns whether it wrote the row. A lone append is a plain insert.
 */
export class EventLogWriter {
  private readonly queued = new Map<string, PendingAppend[]>();
  private flushScheduled = false;

  constructor(
    private readonly client: TableClient,
    /** Runs one request (creating the table when it is missing). */
    private readonly request: <T>(operation: string, fn: () => Promise<T>) => Promise<T>,
  ) {}

  append(entity: EventEntity, report: RequestReport | undefined): Promise<AppendResult> {
    return new Promise<AppendResult>((resolve, reject) => {
      const partition = this.queued.get(entity.partitionKey);
      const pending = { entity, report, resolve, reject };
      if (partition) partition.push(pending);
      else this.queued.set(entity.partitionKey, [pending]);
      if (this.flushScheduled) return;
      this.flushScheduled = true;
      queueMicrotask(() => this.flush());
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    const partitions = [...this.queued.values()];
    this.queued.clear();
    for (const appends of partitions) {
      for (const chunk of chunks(appends)) void this.write(chunk);
    }
  }

  private async write(chunk: PendingAppend[]): Promise<void> {
    if (chunk.length === 1) return this.insertAlone(chunk[0]!);
    // The round trip is shared: each event is counted for its share of it.
    for (const append of chunk) append.report?.(Tables.events, 'transaction', 1 / chunk.length);
    try {
      const transaction = new TableTransaction();
      for (const { entity } of chunk) transaction.createEntity(entity);
      await this.request('transaction', () => this.client.submitTransaction(transaction.actions));
      for (const append of chunk) append.resolve('appended');
    } catch (error) {
      // A row already there (409) or one row the service refuses: find out row by row.
      if (statusOf(error) === 409 || isPermanent(error)) {
        await Promise.all(chunk.map((append) => this.insertAlone(append)));
        return;
      }
      for (const append of chunk) append.reject(error);
    }
  }

  private async insertAlone(append: PendingAppend): Promise<void> {
    append.report?.(Tables.events, 'insert');
    try {
      await this.request('insert', () => this.client.createEntity(append.entity));
      append.resolve('appended');
    } catch (error) {
      if (statusOf(error) === 409) append.resolve('exists');
      else append.reject(error);
    }
  }
}

/** Splits one partition's appends into transactions within Azure's limits. */
function chunks(appends: PendingAppend[]): PendingAppend[][] {
  const result: PendingAppend[][] = [];
  let current: PendingAppend[] = [];
  let chars = 0;
  for (const append of appends) {
    const size = append.entity.envelope.length + 512;
    if (current.length > 0 && (current.length >= MAX_ROWS_PER_TRANSACTION || chars + size > MAX_BODY_CHARS_PER_TRANSACTION)) {
      result.push(current);
      current = [];
      chars = 0;
    }
    current.push(append);
    chars += size;
  }
  if (current.length > 0) result.push(current);
  return result;
}
