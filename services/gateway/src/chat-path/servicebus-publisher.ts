import type { ServiceBusClient, ServiceBusMessage, ServiceBusMessageBatch } from '@azure/service-bus';
import { BusEntities, chatEventMessage, type ChatEvent } from '@parley/contracts';
import { BatchingSender, withSendDeadline, type BatchOutcome, type Logger } from '@parley/service-kit';
import { BusUnavailableError, MessageTooLargeError } from '../errors.js';
import type { BatchMode } from '../config.js';
import type { EventPublisher } from './publisher.js';

export interface ServiceBusPublisherOptions {
  client: ServiceBusClient;
  partitions: number;
  /** A send (or link open) not accepted within this time fails, so callers answer 503 instead of hanging. */
  sendTimeoutMs: number;
  logger: Logger;
  onBatch?: (outcome: BatchOutcome) => void;
  /**
   * `mixed`: one batch may hold several partition sessions (non-partitioned
   * entities accept that; it is what makes batching pay off when there are more
   * partitions than concurrent sends). `session`: one session per batch, for
   * partitioned entities, which refuse batches that span sessions.
   */
  batchMode: BatchMode;
  maxBatchMessages?: number;
}

export interface ServiceBusPublisher extends EventPublisher {
  /** Opens the sender link (first batch creation does); call before reporting ready. */
  open(): Promise<void>;
}

/** The Service Bus adapter of the EventPublisher port: one sender on chat-events, batched per session. */
export function createServiceBusPublisher(options: ServiceBusPublisherOptions): ServiceBusPublisher {
  const sender = options.client.createSender(BusEntities.chatEventsTopic);
  let opened = false;
  let closed = false;
  const batching = new BatchingSender<ServiceBusMessage, ServiceBusMessageBatch>(
    withSendDeadline(sender, options.sendTimeoutMs),
    {
      errors: { unavailable: (reason, cause) => new BusUnavailableError(reason, { cause }), tooLarge: () => new MessageTooLargeError() },
      onBatch: (outcome) => {
        if (outcome.ok) opened = true;
        options.onBatch?.(outcome);
      },
      ...(options.maxBatchMessages ? { maxBatchMessages: options.maxBatchMessages } : {}),
      // Single-session batches only coalesce within a partition, so they need more slots.
      ...(options.batchMode === 'session' ? { maxSessionsPerBatch: 1, maxInFlightBatches: 64 } : { maxInFlightBatches: 8 }),
    },
  );

  return {
    async open() {
      // Opening may include a managed-identity token fetch: give it longer than a send.
      await sender.createMessageBatch({ abortSignal: AbortSignal.timeout(Math.max(options.sendTimeoutMs, 30_000)) });
      opened = true;
      options.logger.info({ entity: BusEntities.chatEventsTopic }, 'bus sender open');
    },
    publish(event: ChatEvent) {
      if (closed) return Promise.reject(new BusUnavailableError('the publisher is closed'));
      const message = chatEventMessage(event, { partitions: options.partitions });
      return batching.send(message.sessionId!, message);
    },
    ready: () => opened && !closed && !sender.isClosed,
    async close() {
      closed = true;
      await batching.close();
      await sender.close();
    },
  };
}
