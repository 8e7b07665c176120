import { isServiceBusError, type ServiceBusClient, type ServiceBusSender } from '@azure/service-bus';
import { BusEntities, notifierCommandMessage, type NotifierEnvelope } from '@parley/contracts';
import { withSendDeadline, type DeadlineSender, type PermanentError } from '@parley/service-kit';
import { workerError } from '../errors.js';
import type { CommandPublisher } from './command-publisher.js';

/** A hung send fails in seconds, so the event is abandoned and retried instead of holding its session. */
const SEND_TIMEOUT_MS = 10_000;

/** Sends the commands of one event as one batch to `notifications` (more only if they do not fit in one). */
export class ServiceBusCommandPublisher implements CommandPublisher {
  private readonly sender: ServiceBusSender;
  private readonly sends: DeadlineSender;

  constructor(
    client: ServiceBusClient,
    private readonly partitions: number,
    sendTimeoutMs = SEND_TIMEOUT_MS,
  ) {
    this.sender = client.createSender(BusEntities.notificationsQueue);
    this.sends = withSendDeadline(this.sender, sendTimeoutMs);
  }

  async publish(envelopes: readonly NotifierEnvelope[]): Promise<void> {
    if (envelopes.length === 0) return;
    try {
      let batch = await this.sends.createBatch();
      for (const envelope of envelopes) {
        const message = notifierCommandMessage(envelope, this.partitions);
        if (batch.tryAddMessage(message)) continue;
        if (batch.count === 0) throw tooLarge(envelope);
        await this.sends.sendBatch(batch);
        batch = await this.sends.createBatch();
        if (!batch.tryAddMessage(message)) throw tooLarge(envelope);
      }
      if (batch.count > 0) await this.sends.sendBatch(batch);
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
