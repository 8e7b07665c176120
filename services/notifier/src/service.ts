import type { ServiceBusClient } from '@azure/service-bus';
import { BusEntities, parseNotifierEnvelope, type NotifierEnvelope, type Result } from '@parley/contracts';
import { startSessionConsumer, type ConsumerService, type Logger, type SessionConsumer } from '@parley/service-kit';
import type { Registry } from 'prom-client';
import type { NotifierConfig } from './config.js';
import { commandBatchHandler } from './command-batch.js';
import { createNotifierMetrics, type NotifierMetrics } from './metrics.js';
import { createRestClient, type RestClient } from './rest-client.js';
import { serviceRest } from '@parley/websocket-rest';
import { tracedTransport } from './traced-transport.js';

/**
 * A quiet partition session is given back after this long, so that a command for
 * a partition no slot holds waits at most about this long for a free slot
 * (there are more partitions than slots). Re-accepting a session is cheap.
 */
const SESSION_IDLE_MS = 500;

export interface NotifierDeps {
  bus: ServiceBusClient;
  logger: Logger;
  registry: Registry;
  /** For tests of the back-off; Math.random otherwise. */
  random?: () => number;
}

/** The consumer service over the notifications queue; stop() also closes the HTTP pool. */
export interface Notifier extends ConsumerService {
  readonly metrics: NotifierMetrics;
}

/**
 * Turns notifier commands into REST calls. Order per target comes from the
 * partition sessions: what a held session has in hand is one batch, whose sends
 * to one target share a call (command-batch.ts, call-plan.ts); throughput from
 * MAX_CONCURRENT_SESSIONS sessions in parallel. Builds, does not start.
 */
export function buildNotifier(deps: NotifierDeps, config: NotifierConfig): Notifier {
  const { logger } = deps;
  const metrics = createNotifierMetrics(deps.registry);
  const { transport, toRequest } = serviceRest(config.service, { connections: config.httpConnections, connectTimeoutMs: config.requestTimeoutMs });
  const rest: RestClient = createRestClient({
    // Each attempt a CLIENT span under the command's (no-op while tracing is off).
    transport: tracedTransport(transport),
    requestTimeoutMs: config.requestTimeoutMs,
    retry: config.retry,
    metrics,
    ...(deps.random ? { random: deps.random } : {}),
  });
  let consumer: SessionConsumer | undefined;
  let stopping = false;

  // Invalid envelopes are dead-lettered by the consumer; count them here too.
  const parse = (body: unknown): Result<NotifierEnvelope> => {
    const parsed = parseNotifierEnvelope(body);
    if (!parsed.ok) metrics.deadLetters.inc({ reason: parsed.error.code });
    return parsed;
  };

  const handleBatch = commandBatchHandler({ rest, toRequest, metrics, limits: config.coalesce });

  return {
    metrics,
    start() {
      if (consumer || stopping) return;
      consumer = startSessionConsumer({
        client: deps.bus,
        entity: { queue: BusEntities.notificationsQueue },
        maxConcurrentSessions: config.maxConcurrentSessions,
        sessionIdleMs: SESSION_IDLE_MS,
        parse,
        handler: { handleBatch },
        logger,
        registry: deps.registry,
      });
    },
    async stop() {
      stopping = true;
      rest.interrupt();
      await consumer?.stop();
      await rest.close();
    },
    ready: () => consumer !== undefined && !stopping && consumer.healthy(),
    alive: () => consumer?.alive() ?? true,
    heldSessions: () => consumer?.heldSessions() ?? [],
  };
}
