import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type BusOperation = 'accept' | 'receive' | 'complete' | 'abandon' | 'deadLetter';

/** The consumer's metrics for one entity; without a registry they count into nothing. */
export interface ConsumerMetrics {
  readonly outcomes: { inc(labels: { outcome: 'completed' | 'invalid' | 'dead-lettered' | 'abandoned' }): void };
  readonly duration: { startTimer(): () => void };
  readonly sessions: { inc(): void; dec(): void };
  readonly operations: { inc(operation: BusOperation): void };
  readonly batchSize: { observe(size: number): void };
}

export function consumerMetrics(registry: Registry | undefined, entity: string, alive: () => boolean): ConsumerMetrics {
  const registers = registry ? [registry] : [];
  const outcomes = new Counter({ name: 'parley_consumer_messages_total', help: 'Messages handled, by outcome', labelNames: ['entity', 'outcome'], registers });
  const duration = new Histogram({
    name: 'parley_consumer_handle_seconds',
    help: 'Time to handle and settle one batch',
    labelNames: ['entity'],
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers,
  });
  const sessions = new Gauge({ name: 'parley_consumer_sessions_held', help: 'Partition sessions held', labelNames: ['entity'], registers });
  const operations = new Counter({
    name: 'parley_consumer_bus_operations_total',
    help: 'Requests to the broker: session accepts, receives and settlements',
    labelNames: ['entity', 'operation'],
    registers,
  });
  const batchSize = new Histogram({
    name: 'parley_consumer_batch_size',
    help: 'Messages a held session handed over as one batch',
    labelNames: ['entity'],
    buckets: [1, 2, 4, 8, 16, 32, 64],
    registers,
  });
  // Read at scrape time: 0 once a fatal broker error stopped the consumer (the "consumer stopped" alert, k8s/monitoring).
  new Gauge({
    name: 'parley_consumer_alive',
    help: '1 while the consumer runs; 0 once a fatal broker error stopped it',
    labelNames: ['entity'],
    registers,
    collect() {
      this.set({ entity }, alive() ? 1 : 0);
    },
  });
  return {
    outcomes: { inc: ({ outcome }) => outcomes.inc({ entity, outcome }) },
    duration: { startTimer: () => duration.startTimer({ entity }) },
    sessions: { inc: () => sessions.inc({ entity }), dec: () => sessions.dec({ entity }) },
    operations: { inc: (operation) => operations.inc({ entity, operation }) },
    batchSize: { observe: (size) => batchSize.observe({ entity }, size) },
  };
}
