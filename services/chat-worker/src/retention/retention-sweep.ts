import { odata, type TableClient } from '@azure/data-tables';
import { CONVERSATION_META_FROM, eventsPartitionKey, keyPart, messageIdOfRowKey, messageIndexRowKey, messageRowKey } from '@parley/contracts';
import type { Logger } from '@parley/service-kit';
import type { TableLease } from './lease.js';

export interface RetentionSettings {
  /** Events and messages older than this are deleted. */
  readonly retentionMs: number;
  /** The bound on cost: at most this many deletes per second (in transactions of at most this many, ≤ 100). */
  readonly deletesPerSecond: number;
}

export interface SweepResult {
  /** False when another copy holds the lease: this one did nothing. */
  readonly leader: boolean;
  readonly events: number;
  readonly messages: number;
  /** True when the lease was lost or the worker stopped before the end. */
  readonly interrupted: boolean;
}

type Row = Record<string, unknown> & { partitionKey: string; rowKey: string };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const isMissing = (error: unknown) => (error as { statusCode?: unknown }).statusCode === 404;

/** The next string after every `prefix…`: the exclusive end of a prefix range. */
const prefixEnd = (prefix: string) => prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);

/**
 * One pass of retention over one hub: deletes the event log rows and the message rows older than
 * the retention, under the lease (renewed before every transaction, so a copy that lost it stops
 * within one), at most `deletesPerSecond`. A message's index row (`~msg:<id>`, how edits,
 * reactions, reads and replies find it) goes with it, in the same transaction. Member rows, claims
 * and room rows are not messages and stay; the log's rows go by `receivedAt`, messages by their
 * time in the row key.
 */
export class RetentionSweep {
  private stopping = false;

  constructor(
    private readonly tables: { readonly events: TableClient; readonly messages: TableClient },
    private readonly lease: TableLease,
    private readonly hub: string,
    private readonly settings: RetentionSettings,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  stop(): void {
    this.stopping = true;
  }

  async run(): Promise<SweepResult> {
    if (!(await this.lease.acquire())) return { leader: false, events: 0, messages: 0, interrupted: false };
    const cutoff = this.now() - this.settings.retentionMs;
    const prefix = `${keyPart(this.hub)}_`;
    // Hours before the cutoff's and the cutoff's own hour, up to its last shard (`~` sorts after them).
    const eventsFilter =
      `${odata`PartitionKey ge ${prefix}`} and ${odata`PartitionKey lt ${`${eventsPartitionKey(this.hub, new Date(cutoff))}_~`}`} and ` +
      odata`receivedAt lt ${new Date(cutoff).toISOString()}`;
    // Message row keys are the inverted time: older messages sort after the cutoff's key, before `~` rows.
    const messagesFilter =
      `${odata`PartitionKey ge ${prefix}`} and ${odata`PartitionKey lt ${prefixEnd(prefix)}`} and ` +
      `${odata`RowKey gt ${messageRowKey(cutoff, '')}`} and ${odata`RowKey lt ${CONVERSATION_META_FROM}`}`;
    try {
      // Another hub whose name extends this one's (`chat` and `chat_2`) shares the key prefix: its rows are not ours.
      const events = await this.deleteMatching(this.tables.events, eventsFilter, (row) => row.hub === this.hub);
      if (events === undefined) return { leader: true, events: 0, messages: 0, interrupted: true };
      const messages = await this.deleteMatching(this.tables.messages, messagesFilter, () => true, indexRowOf);
      const result = { leader: true, events, messages: messages ?? 0, interrupted: messages === undefined };
      this.logger.info({ ...result, cutoff: new Date(cutoff).toISOString() }, 'retention sweep done');
      return result;
    } finally {
      await this.lease.release();
    }
  }

  /**
   * Deletes the rows (and each one's `companions`, rows of the same partition that go with it) in
   * transactions of one partition; counts the rows, not their companions; undefined if
   * interrupted (lease lost, stopping).
   */
  private async deleteMatching(table: TableClient, filter: string, ours: (row: Row) => boolean, companions: (row: Row) => string[] = () => []): Promise<number | undefined> {
    const perBatch = Math.min(100, this.settings.deletesPerSecond);
    let deleted = 0;
    let batch: { partitionKey: string; rowKeys: string[]; rows: number } | undefined;
    const flush = async (): Promise<boolean> => {
      if (!batch) return true;
      const { partitionKey, rowKeys, rows } = batch;
      batch = undefined;
      if (this.stopping || !(await this.lease.renew())) return false;
      const started = this.now();
      await table.submitTransaction(rowKeys.map((rowKey) => ['delete', { partitionKey, rowKey }])).catch(async (error: unknown) => {
        // A row deleted meanwhile (erase-user), or a message written before index rows existed, fails the whole transaction: go one by one.
        if (!isMissing(error)) throw error;
        for (const rowKey of rowKeys) await table.deleteEntity(partitionKey, rowKey).catch((one: unknown) => {
          if (!isMissing(one)) throw one;
        });
      });
      deleted += rows;
      // The bound on cost: this batch's share of a second at the configured rate.
      const owed = (rowKeys.length / this.settings.deletesPerSecond) * 1_000 - (this.now() - started);
      if (owed > 0) await sleep(owed);
      return true;
    };
    try {
      // Deleting rows behind the cursor is safe: a continuation names the next key, not an offset.
      for await (const entity of table.listEntities<Row>({ queryOptions: { filter } })) {
        const row = entity as Row;
        if (!ours(row)) continue;
        const keys = [row.rowKey, ...companions(row)];
        if (batch && (batch.partitionKey !== row.partitionKey || batch.rowKeys.length + keys.length > perBatch)) {
          if (!(await flush())) return undefined;
        }
        batch ??= { partitionKey: row.partitionKey, rowKeys: [], rows: 0 };
        batch.rowKeys.push(...keys);
        batch.rows += 1;
      }
    } catch (error) {
      if (!isMissing(error)) throw error;
    }
    return (await flush()) ? deleted : undefined;
  }
}

/** A message row's index row, deleted with it. */
function indexRowOf(row: Row): string[] {
  const id = messageIdOfRowKey(row.rowKey);
  return id === undefined ? [] : [messageIndexRowKey(id)];
}
