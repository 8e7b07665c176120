import { Counter, type Registry } from 'prom-client';

export type EventOutcome = 'applied' | 'rejected' | 'resend' | 'replayed';

export interface WorkerMetrics {
  event(type: string, outcome: EventOutcome): void;
  commands(count: number): void;
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
  return {
    event: (type, outcome) => events.inc({ type, outcome }),
    commands: (count) => commands.inc(count),
  };
}
