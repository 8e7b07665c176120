import { Counter, Histogram, type Registry } from 'prom-client';

const latencyBuckets = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** The gateway's own metrics, beside the process defaults of createRegistry. */
export function createGatewayMetrics(registry: Registry) {
  const registers = [registry];
  return {
    requests: new Counter({ name: 'parley_gateway_requests_total', help: 'Upstream calls by event and HTTP status', labelNames: ['event', 'status'], registers }),
    requestSeconds: new Histogram({
      name: 'parley_gateway_request_seconds',
      help: 'Upstream call latency by event',
      labelNames: ['event'],
      buckets: latencyBuckets,
      registers,
    }),
    busSendSeconds: new Histogram({
      name: 'parley_gateway_bus_send_seconds',
      help: 'Time for the bus to accept one batch, by outcome',
      labelNames: ['outcome'],
      buckets: latencyBuckets,
      registers,
    }),
    busBatchMessages: new Histogram({
      name: 'parley_gateway_bus_batch_messages',
      help: 'Messages per batch sent to chat-events',
      buckets: [1, 2, 4, 8, 16, 32, 64, 100],
      registers,
    }),
    typingRelayed: new Counter({ name: 'parley_gateway_typing_relayed_total', help: 'Typing notices the WebSocket service accepted (refusals are in rejections)', registers }),
    rejections: new Counter({ name: 'parley_gateway_rejections_total', help: 'Refused calls and frames by error code', labelNames: ['code'], registers }),
  };
}

export type GatewayMetrics = ReturnType<typeof createGatewayMetrics>;

/** Feeds the bus metrics from the batching sender's outcomes. */
export function observeBatches(metrics: GatewayMetrics) {
  return (outcome: { size: number; seconds: number; ok: boolean }) => {
    metrics.busSendSeconds.observe({ outcome: outcome.ok ? 'accepted' : 'failed' }, outcome.seconds);
    metrics.busBatchMessages.observe(outcome.size);
  };
}
