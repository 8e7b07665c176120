import type { TableClient } from '@azure/data-tables';
import { leaseKeys } from '@parley/contracts';

interface LeaseRow {
  partitionKey: string;
  rowKey: string;
  owner: string;
  /** Epoch ms; past it any copy may take the lease. */
  expiresAt: number;
}

const statusOf = (error: unknown) => (error as { statusCode?: unknown }).statusCode;

/**
 * A lease row taken and renewed with its ETag: of several copies of the worker, the one whose
 * conditional write wins holds it; the others see 409 (create) or 412 (update) and skip. A copy
 * that dies stops renewing, and after `ttlMs` another takes over.
 */
export class TableLease {
  private etag: string | undefined;

  constructor(
    private readonly table: TableClient,
    private readonly hub: string,
    private readonly task: string,
    private readonly owner: string,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes the lease if it is free, expired or already ours; false if another copy holds it. */
  async acquire(): Promise<boolean> {
    const keys = leaseKeys(this.hub, this.task);
    let current: (LeaseRow & { etag: string }) | undefined;
    try {
      current = (await this.table.getEntity<LeaseRow>(keys.partitionKey, keys.rowKey)) as LeaseRow & { etag: string };
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
    }
    if (current === undefined) {
      try {
        const created = await this.table.createEntity<LeaseRow>({ ...keys, owner: this.owner, expiresAt: this.now() + this.ttlMs });
        this.etag = created.etag;
        return true;
      } catch (error) {
        if (statusOf(error) === 409) return false;
        throw error;
      }
    }
    if (current.owner !== this.owner && current.expiresAt > this.now()) return false;
    this.etag = current.etag;
    return this.renew();
  }

  /** Extends the lease; false (and no longer held) if another copy took it meanwhile. */
  async renew(): Promise<boolean> {
    if (this.etag === undefined) return false;
    const keys = leaseKeys(this.hub, this.task);
    try {
      const updated = await this.table.updateEntity<LeaseRow>({ ...keys, owner: this.owner, expiresAt: this.now() + this.ttlMs }, 'Replace', { etag: this.etag });
      this.etag = updated.etag;
      return true;
    } catch (error) {
      if (statusOf(error) === 412 || statusOf(error) === 404) {
        this.etag = undefined;
        return false;
      }
      throw error;
    }
  }

  /** Lets another copy take it at once (expired now), if still ours. */
  async release(): Promise<void> {
    if (this.etag === undefined) return;
    const keys = leaseKeys(this.hub, this.task);
    await this.table.updateEntity<LeaseRow>({ ...keys, owner: this.owner, expiresAt: 0 }, 'Replace', { etag: this.etag }).catch(() => undefined);
    this.etag = undefined;
  }
}
