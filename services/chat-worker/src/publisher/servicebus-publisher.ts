import { isServiceBusError, type ServiceBusClient, type ServiceBusMessage, type ServiceBusSender } from '@azure/service-bus';
import { BusEntities, BusProperties, notifierSessionId, type NotifierEnvelope } from '@parley/contracts';
import { PermanentError } from '@parley/service-kit';
import { WorkerErrorCodes } from '../errors.js';
import type { CommandPublisher } from './command-publisher.js';

/** The bus message of one command: id = command id (the broker drops repeats), session = partition of the target. */
export function commandMessage(envelope: NotifierEnvelope, partitions: number): ServiceBusMessage {
  const applicationProperties: Record<string, string> = { [BusProperties.type]: envelope.type, [BusProperties.hub]: envelope.data.hub };
  if (envelope.metadata.traceparent) applicationProperties[BusProperties.traceparent] = envelope.metadata.traceparent;
  return {
    body: envelope,
    contentType: 'application/json',
    messageId: envelope.metadata.commandId,
    sessionId: notifierSessionId(envelope.data, partitions),
    subject: envelope.type,
    applicationProperties,
  };
}

/** Sends the commands of one event as one batch to `notifications` (more only if they do not fit in one). */
export class ServiceBusCommandPublisher implements CommandPublisher {
  private readonly sender: ServiceBusSender;

  constructor(client: ServiceBusClient, private readonly partitions: number) {
    this.sender = client.createSender(BusEntities.notificationsQueue);
  }

  async publish(envelopes: readonly NotifierEnvelope[]): Promise<void> {
    if (envelopes.length === 0) return;
    try {
      let batch = await this.sender.createMessageBatch();
      for (const envelope of envelopes) {
        const message = commandMessage(envelope, this.partitions);
        if (batch.tryAddMessage(message)) continue;
        if (batch.count === 0) throw tooLarge(envelope);
        await this.sender.sendMessages(batch);
        batch = await this.sender.createMessageBatch();
        if (!batch.tryAddMessage(message)) throw tooLarge(envelope);
      }
      if (batch.count > 0) await this.sender.sendMessages(batch);
    } catch (error) {
      if (isServiceBusError(error) && error.code === 'MessageSizeExceeded') {
        throw new PermanentError(WorkerErrorCodes.publishRejected, error.message);
      }
      throw error;
    }
  }

  close(): Promise<void> {
    return this.sender.close();
  }
}

function tooLarge(envelope: NotifierEnvelope): PermanentError {
  return new PermanentError(WorkerErrorCodes.publishRejected, `command ${envelope.metadata.commandId} is larger than a bus message may be`);
}
