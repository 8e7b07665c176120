import { Counter, Histogram, type Registry } from 'prom-client';

/** The notifier's own metrics; the consumer template adds message outcomes and held sessions. */
export function createNotifierMetrics(registry: Registry) {
  const registers = [registry];
  return {
    /** Every attempt, by action and HTTP status (or `timeout` / `network`). */
    restCalls: new Counter({ name: 'parley_notifier_rest_calls_total', help: 'REST calls to the WebSocket service, by action and status', labelNames: ['action', 'status'], registers }),
    restLatency: new Histogram({
      name: 'parley_notifier_rest_seconds',
      help: 'Latency of one REST attempt, by action',
      labelNames: ['action'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    retries: new Counter({ name: 'parley_notifier_rest_retries_total', help: 'In-process retries, by action and cause', labelNames: ['action', 'cause'], registers }),
    deadLetters: new Counter({ name: 'parley_notifier_dead_letters_total', help: 'Commands the notifier dead-lettered, by reason', labelNames: ['reason'], registers }),
    goneConnections: new Counter({ name: 'parley_notifier_gone_connections_total', help: 'Commands completed because their connection is gone (404)', labelNames: ['action'], registers }),
    /** Frames per send call: the sum over the count is commands per call; their difference the calls saved. */
    framesPerCall: new Histogram({
      name: 'parley_notifier_frames_per_call',
      help: 'Frames carried by one send call (several commands to one target coalesced into a batch frame), by action',
      labelNames: ['action'],
      buckets: [1, 2, 4, 8, 16, 32, 64],
      registers,
    }),
    givenBack: new Counter({ name: 'parley_notifier_transient_failures_total', help: 'Commands given back to the broker after the in-process retries, by code', labelNames: ['code'], registers }),
  };
}

export type NotifierMetrics = ReturnType<typeof createNotifierMetrics>;
