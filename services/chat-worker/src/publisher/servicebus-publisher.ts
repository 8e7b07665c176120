import { isServiceBusError, type ServiceBusClient, type ServiceBusMessage, type ServiceBusMessageBatch, type ServiceBusSender } from '@azure/service-bus';
import { BusEntities, notifierCommandMessage, type NotifierEnvelope } from '@parley/contracts';
import { BatchingSender, withSendDeadline, type BatchOutcome } from '@parley/service-kit';
import { workerError } from '../errors.js';
import type { CommandPublisher } from './command-publisher.js';

/** A hung send fails in seconds, so the event is abandoned and retried instead of holding its session. */
const SEND_TIMEOUT_MS = 10_000;

/** A send the bus did not take: transient, so the event is abandoned and retried (command ids make repeats harmless). */
export class CommandSendError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CommandSendError';
  }
}

export interface CommandPublisherOptions {
  sendTimeoutMs?: number;
  /** Told of every bus batch sent (the worker's bus-send metric). */
  onBatch?: (outcome: BatchOutcome) => void;
}

/**
 * Sends notifier commands to `notifications`. Commands published at the same time — the
 * events of a batch, and the batches of every session this worker holds — leave together in
 * as few bus batches as fit (service-kit's BatchingSender), in order per notifier session.
 */
export class ServiceBusCommandPublisher implements CommandPublisher {
  private readonly sender: ServiceBusSender;
  private readonly batching: BatchingSender<ServiceBusMessage, ServiceBusMessageBatch>;

  constructor(
    client: ServiceBusClient,
    private readonly partitions: number,
    options: CommandPublisherOptions = {},
  ) {
    this.sender = client.createSender(BusEntities.notificationsQueue);
    this.batching = new BatchingSender(withSendDeadline(this.sender, options.sendTimeoutMs ?? SEND_TIMEOUT_MS), {
      errors: {
        unavailable: (reason, cause) =>
          isServiceBusError(cause) && cause.code === 'MessageSizeExceeded' ? workerError('publishRejected', cause.message) : new CommandSendError(reason, { cause }),
        tooLarge: () => workerError('publishRejected', 'a notifier command is larger than a bus message may be'),
      },
      ...(options.onBatch ? { onBatch: options.onBatch } : {}),
    });
  }

  async publish(envelopes: readonly NotifierEnvelope[]): Promise<void> {
    const sends = envelopes.map((envelope) => {
      const message = notifierCommandMessage(envelope, this.partitions);
      return this.batching.send(message.sessionId ?? '', message);
    });
    await Promise.all(sends);
  }

  async close(): Promise<void> {
    await this.batching.close();
    await this.sender.close();
  }
}
