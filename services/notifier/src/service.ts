import type { ServiceBusClient } from '@azure/service-bus';
import { BusEntities, parseNotifierEnvelope, type NotifierEnvelope, type Result } from '@parley/contracts';
import { isPermanent, startSessionConsumer, type ConsumerService, type Logger, type MessageContext, type SessionConsumer } from '@parley/service-kit';
import type { Registry } from 'prom-client';
import type { NotifierConfig } from './config.js';
import { TransientRestError } from './errors.js';
import { createNotifierMetrics, type NotifierMetrics } from './metrics.js';
import { createRestClient, type RestClient } from './rest-client.js';
import { dialectOf } from './dialect.js';
import { targetOf } from './rest-requests.js';
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
 * Turns each notifier command into one REST call. Order per target comes from
 * the partition sessions (one message at a time per session); throughput
 * from MAX_CONCURRENT_SESSIONS sessions in parallel. Builds, does not start.
 */
export function buildNotifier(deps: NotifierDeps, config: NotifierConfig): Notifier {
  const { logger } = deps;
  const metrics = createNotifierMetrics(deps.registry);
  const { transport, toRequest } = dialectOf(config);
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

  async function handle(envelope: NotifierEnvelope, context: MessageContext): Promise<void> {
    const { commandId, causationId, traceparent } = envelope.metadata;
    const command = envelope.data;
    const log = context.logger.child({
      commandId,
      causationId,
      eventId: causationId,
      ...(traceparent ? { traceparent, traceId: traceparent.split('-')[1] } : {}),
      action: command.action,
      ...targetOf(command),
    });
    try {
      const outcome = await rest.call(toRequest(command), log);
      if (outcome.kind === 'gone') {
        metrics.goneConnections.inc({ action: command.action });
        log.info({ status: outcome.status, attempts: outcome.attempts }, 'connection is gone; command completed');
      } else {
        log.debug({ status: outcome.status, attempts: outcome.attempts }, 'command delivered');
      }
    } catch (error) {
      if (isPermanent(error)) {
        metrics.deadLetters.inc({ reason: error.reason });
      } else if (error instanceof TransientRestError) {
        metrics.givenBack.inc({ code: error.code });
        log.warn({ code: error.code, status: error.status, attempts: error.attempts, reason: error.message }, 'REST call still failing; giving the command back');
      }
      throw error;
    }
  }

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
        handler: { handle },
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
