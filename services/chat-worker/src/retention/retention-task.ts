import { randomUUID } from 'node:crypto';
import { DefaultAzureCredential } from '@azure/identity';
import { TableClient } from '@azure/data-tables';
import { LEASES_TABLE, Tables } from '@parley/contracts';
import type { Logger } from '@parley/service-kit';
import type { RetentionConfig, TablesConnection } from '../config.js';
import { TableLease } from './lease.js';
import { RetentionSweep } from './retention-sweep.js';

function tableClient(connection: TablesConnection, table: string): TableClient {
  if (connection.kind === 'accountUrl') return new TableClient(connection.accountUrl, table, new DefaultAzureCredential());
  // Azurite speaks plain http; the SDK refuses a shared key over http unless told.
  const allowInsecureConnection = /TableEndpoint=http:\/\/|UseDevelopmentStorage=true/i.test(connection.connectionString);
  return TableClient.fromConnectionString(connection.connectionString, table, { allowInsecureConnection });
}

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
  const leases = tableClient(connection, LEASES_TABLE);
  const lease = new TableLease(leases, hub, 'retention', `${process.pid}-${randomUUID()}`, LEASE_TTL_MS);
  const sweep = new RetentionSweep(
    { events: tableClient(connection, Tables.events), messages: tableClient(connection, Tables.messages) },
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
