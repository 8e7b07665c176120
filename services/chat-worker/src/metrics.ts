import { Counter, type Registry } from 'prom-client';

export type EventOutcome = 'applied' | 'rejected' | 'resend' | 'replayed';

export interface WorkerMetrics {
  event(type: string, outcome: EventOutcome): void;
  /** `count` notifier commands were sent for one event. */
  commandsSent(count: number): void;
  /** One round trip to the tables while handling an event of `type` (a transaction counts once; shared by n events, 1/n each). */
  tableRequest(type: string, table: string, operation: string, share?: number): void;
  /** One send of notifier commands to the bus. */
  busSend(): void;
}

export function workerMetrics(registry?: Registry): WorkerMetrics {
  const registers = registry ? [registry] : [];
  const events = new Counter({
    name: 'parley_worker_events_total',
    help: 'Chat events handled, by type and outcome',
    labelNames: ['type', 'outcome'],
    registers,
  });
  const commands = new Counter({ name: 'parley_worker_commands_total', help: 'Notifier commands sent', registers });
  const tableRequests = new Counter({
    name: 'parley_worker_table_requests_total',
    help: 'Round trips to Table Storage, by event type, table and operation',
    labelNames: ['type', 'table', 'operation'],
    registers,
  });
  const busSends = new Counter({ name: 'parley_worker_bus_sends_total', help: 'Sends of notifier command batches', registers });
  return {
    event: (type, outcome) => events.inc({ type, outcome }),
    commandsSent: (count) => commands.inc(count),
    tableRequest: (type, table, operation, share = 1) => tableRequests.inc({ type, table, operation }, share),
    busSend: () => busSends.inc(),
  };
}
