import { isServiceBusError, type ServiceBusClient, type ServiceBusMessageBatch, type ServiceBusSender } from '@azure/service-bus';
import { BusEntities, notifierCommandMessage, type NotifierEnvelope } from '@parley/contracts';
import { withDeadline, type PermanentError } from '@parley/service-kit';
import { workerError } from '../errors.js';
import type { CommandPublisher } from './command-publisher.js';

/**
 * A send's own deadline: the client's operation timeout is the broker's long accept wait, and a
 * hung send must fail in seconds so the event is abandoned and retried, not hold its session.
 */
const SEND_TIMEOUT_MS = 10_000;

/** Sends the commands of one event as one batch to `notifications` (more only if they do not fit in one). */
export class ServiceBusCommandPublisher implements CommandPublisher {
  private readonly sender: ServiceBusSender;

  constructor(
    client: ServiceBusClient,
    private readonly partitions: number,
    private readonly sendTimeoutMs = SEND_TIMEOUT_MS,
  ) {
    this.sender = client.createSender(BusEntities.notificationsQueue);
  }

  private newBatch() {
    return withDeadline(this.sendTimeoutMs, (abortSignal) => this.sender.createMessageBatch({ abortSignal }));
  }

  private send(batch: ServiceBusMessageBatch) {
    return withDeadline(this.sendTimeoutMs, (abortSignal) => this.sender.sendMessages(batch, { abortSignal }));
  }

  async publish(envelopes: readonly NotifierEnvelope[]): Promise<void> {
    if (envelopes.length === 0) return;
    try {
      let batch = await this.newBatch();
      for (const envelope of envelopes) {
        const message = notifierCommandMessage(envelope, this.partitions);
        if (batch.tryAddMessage(message)) continue;
        if (batch.count === 0) throw tooLarge(envelope);
        await this.send(batch);
        batch = await this.newBatch();
        if (!batch.tryAddMessage(message)) throw tooLarge(envelope);
      }
      if (batch.count > 0) await this.send(batch);
    } catch (error) {
      if (isServiceBusError(error) && error.code === 'MessageSizeExceeded') {
        throw workerError('publishRejected', error.message);
      }
      throw error;
    }
  }

  close(): Promise<void> {
    return this.sender.close();
  }
}

function tooLarge(envelope: NotifierEnvelope): PermanentError {
  return workerError('publishRejected', `command ${envelope.metadata.commandId} is larger than a bus message may be`);
}
