import type { ServiceBusClient } from '@azure/service-bus';
import { BusEntities, parseChatEvent, type ChatEvent } from '@parley/contracts';
import { entityName, startSessionConsumer, withMessageSpan, type BatchItem, type ConsumerService, type ItemOutcome, type Logger, type SessionConsumer } from '@parley/service-kit';
import type { Registry } from 'prom-client';
import type { WorkerConfig } from './config.js';
import { workerMetrics, type WorkerMetrics } from './metrics.js';
import { createBatchProcessor, type BatchProcessor } from './processor.js';
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
  readonly processBatch: BatchProcessor;
  readonly metrics: WorkerMetrics;
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
  const metrics = workerMetrics(registry);
  const processBatch = createBatchProcessor({ store, publisher, config, metrics });
  const entity = { topic: BusEntities.chatEventsTopic, subscription: BusEntities.chatWorkerSubscription };
  const spanEntity = entityName(entity);
  let consumer: SessionConsumer | undefined;

  // Each event keeps its own CONSUMER span (continuing the gateway's send) and its own log ids.
  const handleBatch = async (items: readonly BatchItem<ChatEvent>[]): Promise<ItemOutcome[]> => {
    const results = await processBatch(
      items.map(({ value: event, context }) => {
        const { eventId, connectionId, userId, traceparent } = event.metadata;
        const log = context.logger.child({ eventId, connectionId, userId, ...(traceparent ? { traceparent, traceId: traceparent.split('-')[1] } : {}) });
        return { event, log, inSpan: <R>(steps: () => Promise<R>) => withMessageSpan(spanEntity, context.message, steps) };
      }),
    );
    return results.map((result) => ('failed' in result ? { failed: result.failed } : 'done'));
  };

  return {
    start() {
      if (consumer) return;
      consumer = startSessionConsumer<ChatEvent>({
        client: busClient,
        entity,
        maxConcurrentSessions: config.maxConcurrentSessions,
        parse: parseChatEvent,
        handler: { handleBatch },
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
    processBatch,
    metrics,
  };
}
