import type { TableClient, TransactionAction } from '@azure/data-tables';
import { Tables } from '@parley/contracts';
import type { RequestReport } from './chat-store.js';

/** Azure's limits for one entity group transaction: 100 operations and 4 MiB; the body budget leaves room for the multipart framing. */
const MAX_ACTIONS_PER_TRANSACTION = 100;
const MAX_BODY_CHARS_PER_TRANSACTION = 2 * 1024 * 1024;

interface PendingCommit {
  readonly partitionKey: string;
  readonly actions: TransactionAction[];
  /** Row keys the actions touch: a group must not touch one row twice (Azure refuses that). */
  readonly rowKeys: readonly string[];
  readonly report: RequestReport | undefined;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * The conversation commits' writer. Each commit is one entity group transaction in its
 * conversation's partition (the claim, the decision's rows there, the checks it relies on).
 * Commits asked for in the same turn of the event loop — from the sessions this worker holds
 * at once, e.g. several users writing to the lobby or one busy room — share one transaction
 * when they fit together (one partition, no row twice, within Azure's limits). All of them
 * land or none does: when the shared transaction fails (a held claim, a row that changed),
 * each commit is sent again alone, so each learns its own outcome exactly as if it had
 * always been alone. A lone commit is its own transaction, as before.
 */
export class CommitWriter {
  private readonly queued = new Map<string, PendingCommit[]>();
  private flushScheduled = false;

  constructor(
    private readonly client: TableClient,
    /** Runs one request (creating the table when it is missing). */
    private readonly request: <T>(operation: string, fn: () => Promise<T>) => Promise<T>,
  ) {}

  /** Commits `actions` (all in `partitionKey`); rejects with the service's error of this commit alone. */
  commit(partitionKey: string, actions: TransactionAction[], report: RequestReport | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const rowKeys = actions.map((action) => (action[1] as { rowKey?: string }).rowKey ?? '');
      const pending: PendingCommit = { partitionKey, actions, rowKeys, report, resolve, reject };
      const partition = this.queued.get(partitionKey);
      if (partition) partition.push(pending);
      else this.queued.set(partitionKey, [pending]);
      if (this.flushScheduled) return;
      this.flushScheduled = true;
      queueMicrotask(() => this.flush());
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    const partitions = [...this.queued.values()];
    this.queued.clear();
    // One partition's groups go one after the other, in the order asked: a row two commits of
    // the turn both write (the same claim) goes to the first one asked, as it would alone.
    for (const commits of partitions) void this.writeInOrder(groups(commits));
  }

  private async writeInOrder(list: PendingCommit[][]): Promise<void> {
    for (const group of list) await this.write(group);
  }

  private async write(group: PendingCommit[]): Promise<void> {
    if (group.length === 1) return this.alone(group[0]!);
    // The round trip is shared: each event is counted for its share of it.
    for (const commit of group) commit.report?.(Tables.messages, 'transaction', 1 / group.length);
    try {
      await this.request('transaction', () => this.client.submitTransaction(group.flatMap((commit) => commit.actions)));
      for (const commit of group) commit.resolve();
    } catch {
      // One commit's condition failed the group (or the group as a whole was refused): each alone learns its own.
      await Promise.all(group.map((commit) => this.alone(commit)));
    }
  }

  private async alone(commit: PendingCommit): Promise<void> {
    commit.report?.(Tables.messages, 'transaction');
    try {
      await this.request('transaction', () => this.client.submitTransaction(commit.actions));
      commit.resolve();
    } catch (error) {
      commit.reject(error);
    }
  }
}

/** A commit's share of a transaction's body, estimated: its rows as JSON and each operation's framing. */
const bodyChars = (commit: PendingCommit) => JSON.stringify(commit.actions).length + 512 * commit.actions.length;

/** Splits one partition's commits into groups that fit one transaction, in the order asked. */
function groups(commits: PendingCommit[]): PendingCommit[][] {
  // The common case, a commit alone in its partition this turn, is measured against nothing.
  if (commits.length === 1) return [commits];
  const result: PendingCommit[][] = [];
  let current: PendingCommit[] = [];
  let actions = 0;
  let chars = 0;
  let rows = new Set<string>();
  for (const commit of commits) {
    const size = bodyChars(commit);
    const fits =
      actions + commit.actions.length <= MAX_ACTIONS_PER_TRANSACTION &&
      chars + size <= MAX_BODY_CHARS_PER_TRANSACTION &&
      commit.rowKeys.every((rowKey) => !rows.has(rowKey));
    if (current.length > 0 && !fits) {
      result.push(current);
      current = [];
      actions = 0;
      chars = 0;
      rows = new Set();
    }
    current.push(commit);
    actions += commit.actions.length;
    chars += size;
    for (const rowKey of commit.rowKeys) rows.add(rowKey);
  }
  if (current.length > 0) result.push(current);
  return result;
}
