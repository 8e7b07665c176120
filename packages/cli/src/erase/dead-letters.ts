import type { ServiceBusClient, ServiceBusReceivedMessage } from '@azure/service-bus';
import { DLQ_ENTITIES, openDlq, PAGE, peekDeadLetters, type DlqEntity } from '../dlq/entities.js';
import { jsonNamesUser } from './names-user.js';

/** How long an empty receive waits before a dead-letter queue counts as drained (as `dlq purge`). */
const DRAIN_WAIT_MS = 3_000;

export interface UserDeadLetter {
  readonly entity: string;
  readonly sequenceNumber: string;
  readonly messageId: string | undefined;
  readonly reason: string | undefined;
}

const describe = (entity: DlqEntity, message: ServiceBusReceivedMessage): UserDeadLetter => ({
  entity: entity.name,
  sequenceNumber: message.sequenceNumber?.toString() ?? '',
  messageId: message.messageId === undefined ? undefined : String(message.messageId),
  reason: message.deadLetterReason,
});

/** The dead-lettered messages of every entity whose body names the user (an event of theirs, a command to or about them). */
export async function findUserDeadLetters(client: ServiceBusClient, user: string): Promise<UserDeadLetter[]> {
  const found: UserDeadLetter[] = [];
  for (const entity of DLQ_ENTITIES) {
    for await (const page of peekDeadLetters(client, entity, Number.MAX_SAFE_INTEGER)) {
      for (const message of page) if (jsonNamesUser(message.body, user)) found.push(describe(entity, message));
    }
  }
  return found;
}

/**
 * Deletes those messages and no others: receives each queue under peek-lock, completes the ones
 * that name the user and keeps the others locked until the queue is drained (so none is received
 * twice), then abandons them, which puts them back untouched.
 */
export async function purgeUserDeadLetters(client: ServiceBusClient, user: string): Promise<UserDeadLetter[]> {
  const purged: UserDeadLetter[] = [];
  for (const entity of DLQ_ENTITIES) {
    const receiver = openDlq(client, entity, 'peekLock');
    const kept: ServiceBusReceivedMessage[] = [];
    try {
      for (;;) {
        const page = await receiver.receiveMessages(PAGE, { maxWaitTimeInMs: DRAIN_WAIT_MS });
        if (page.length === 0) break;
        for (const message of page) {
          if (!jsonNamesUser(message.body, user)) {
            kept.push(message);
            continue;
          }
          await receiver.completeMessage(message);
          purged.push(describe(entity, message));
        }
      }
    } finally {
      for (const message of kept) await receiver.abandonMessage(message).catch(() => undefined);
      await receiver.close();
    }
  }
  return purged;
}
