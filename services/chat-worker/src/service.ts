import type { ServiceBusClient } from '@azure/service-bus';
import { BusEntities, parseChatEvent, type ChatEvent } from '@parley/contracts';
import { startSessionConsumer, type ConsumerService, type Logger, type SessionConsumer } from '@parley/service-kit';
import type { Registry } from 'prom-client';
import type { WorkerConfig } from './config.js';
import { workerMetrics } from './metrics.js';
import { createEventProcessor, type EventProcessor } from './processor.js';
import type { CommandPublisher } from './publisher/command-publisher.js';
import type { ChatStore } from './store/chat-store.js';

export interface WorkerDeps {
  busClient: ServiceBusClient;
  store: ChatStore;
  publisher: CommandPublisher;
  logger: Logger;
  registry?: Registry;
}

/** The consumer service over `chat-events`/`chat-worker` (start, stop, ready, alive: packages/service-kit). */
export interface Worker extends ConsumerService {
  readonly processEvent: EventProcessor;
}

type WorkerSettings = Pick<WorkerConfig, 'hub' | 'historyDefaultLimit' | 'maxConcurrentSessions'> &
  Partial<Pick<WorkerConfig, 'presence'>> & {
  /** Consumer tuning, for tests that want sessions handed back quickly. */
  readonly consumer?: { sessionIdleMs?: number; maxSessionHoldMs?: number; retryDelayMs?: (deliveryCount: number) => number };
};

/**
 * Back-off before a failed event is abandoned: 0.5 s doubling to 15 s, so with
 * MaxDeliveryCount 10 a table outage of about 90 s is ridden out before the
 * broker dead-letters. Capped below the 25 s shutdown budget, because the
 * session waits (its order is kept) and stop() waits for it.
 */
export const retryDelayMs = (deliveryCount: number) => Math.min(500 * 2 ** deliveryCount, 15_000);

/** Builds the worker; nothing runs until start() (docs/style.md §1). */
export function buildWorker(deps: WorkerDeps, config: WorkerSettings): Worker {
  const { busClient, store, publisher, logger, registry } = deps;
  const processEvent = createEventProcessor({ store, publisher, config, metrics: workerMetrics(registry) });
  let consumer: SessionConsumer | undefined;

  const handle = async (event: ChatEvent, context: { logger: Logger }) => {
    const { eventId, connectionId, userId, traceparent } = event.metadata;
    const log = context.logger.child({ eventId, connectionId, userId, ...(traceparent ? { traceparent, traceId: traceparent.split('-')[1] } : {}) });
    await processEvent(event, log);
  };

  return {
    start() {
      if (consumer) return;
      consumer = startSessionConsumer<ChatEvent>({
        client: busClient,
        entity: { topic: BusEntities.chatEventsTopic, subscription: BusEntities.chatWorkerSubscription },
        maxConcurrentSessions: config.maxConcurrentSessions,
        parse: parseChatEvent,
        handler: { handle },
        logger,
        ...(registry ? { registry } : {}),
        retryDelayMs,
        ...config.consumer,
      });
    },
    async stop() {
      await consumer?.stop();
    },
    ready: () => consumer?.healthy() ?? false,
    alive: () => consumer?.alive() ?? true,
    heldSessions: () => consumer?.heldSessions() ?? [],
    processEvent,
  };
}
