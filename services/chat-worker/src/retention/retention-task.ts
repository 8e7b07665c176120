import { randomUUID } from 'node:crypto';
import { LEASES_TABLE, Tables } from '@parley/contracts';
import { openTableClient, type Logger, type TablesConnection } from '@parley/service-kit';
import type { RetentionConfig } from '../config.js';
import { TableLease } from './lease.js';
import { RetentionSweep } from './retention-sweep.js';

/** A lease outlives a few transactions at the slowest rate, and a dead holder frees it within minutes. */
const LEASE_TTL_MS = 120_000;

export interface RetentionTask {
  /** Stops the timer and lets a running sweep end after its current transaction. */
  stop(): Promise<void>;
}

/**
 * Runs a retention sweep now and then every `sweepEveryMs`, in the background: every copy of the
 * worker runs the timer, the lease lets one sweep at a time. A failed sweep is logged and tried
 * again at the next tick.
 */
export function startRetention(connection: TablesConnection, hub: string, config: RetentionConfig, logger: Logger): RetentionTask {
  const leases = openTableClient(connection, LEASES_TABLE);
  const lease = new TableLease(leases, hub, 'retention', `${process.pid}-${randomUUID()}`, LEASE_TTL_MS);
  const sweep = new RetentionSweep(
    { events: openTableClient(connection, Tables.events), messages: openTableClient(connection, Tables.messages) },
    lease,
    hub,
    config,
    logger.child({ task: 'retention' }),
  );
  let running: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    running = leases
      .createTable()
      .catch(() => undefined)
      .then(() => sweep.run())
      .catch((error: unknown) => logger.warn({ err: error }, 'retention sweep failed; trying again at the next tick'))
      .finally(() => {
        if (timer !== undefined) timer = setTimeout(tick, config.sweepEveryMs).unref();
      });
  };
  timer = setTimeout(tick, config.firstSweepAfterMs).unref();
  return {
    async stop() {
      clearTimeout(timer);
      timer = undefined;
      sweep.stop();
      await running;
    },
  };
}
