import type { ServiceBusClient, ServiceBusMessage, ServiceBusReceivedMessage, ServiceBusReceiver } from '@azure/service-bus';
import { BusEntities } from '@parley/contracts';
import { CliError, CliErrorCodes } from '../errors.js';

/** An entity with a dead-letter queue, and where its messages go back to. */
export type DlqEntity =
  | { readonly name: string; readonly kind: 'subscription'; readonly topic: string; readonly subscription: string; readonly sendTo: string }
  | { readonly name: string; readonly kind: 'queue'; readonly queue: string; readonly sendTo: string };

export const DLQ_ENTITIES: readonly DlqEntity[] = [
  {
    name: `${BusEntities.chatEventsTopic}/${BusEntities.chatWorkerSubscription}`,
    kind: 'subscription',
    topic: BusEntities.chatEventsTopic,
    subscription: BusEntities.chatWorkerSubscription,
    sendTo: BusEntities.chatEventsTopic,
  },
  { name: BusEntities.notificationsQueue, kind: 'queue', queue: BusEntities.notificationsQueue, sendTo: BusEntities.notificationsQueue },
];

export function resolveEntity(text: string | undefined): DlqEntity {
  const valid = DLQ_ENTITIES.map((entity) => entity.name).join(', ');
  if (text === undefined || text.trim() === '') {
    throw new CliError(CliErrorCodes.entityUnknown, `--entity is required; one of: ${valid}`);
  }
  const wanted = text.trim().toLowerCase().replace(/\/subscriptions\//, '/');
  const entity = DLQ_ENTITIES.find((candidate) => candidate.name === wanted);
  if (!entity) throw new CliError(CliErrorCodes.entityUnknown, `unknown entity "${text}"; one of: ${valid}`);
  return entity;
}

/** Messages per peek or receive. */
export const PAGE = 100;

/** A receiver on the entity's dead-letter queue: peekLock to look or to move, receiveAndDelete to purge. */
export function openDlq(client: ServiceBusClient, entity: DlqEntity, receiveMode: 'peekLock' | 'receiveAndDelete'): ServiceBusReceiver {
  const options = { subQueueType: 'deadLetter' as const, receiveMode };
  return entity.kind === 'queue' ? client.createReceiver(entity.queue, options) : client.createReceiver(entity.topic, entity.subscription, options);
}

/**
 * The dead-lettered messages, `max` at most, page by page without taking them: peeking
 * continues after the last peeked sequence number, so this walks the whole queue once.
 */
export async function* peekDeadLetters(client: ServiceBusClient, entity: DlqEntity, max: number): AsyncGenerator<ServiceBusReceivedMessage[]> {
  const receiver = openDlq(client, entity, 'peekLock');
  let seen = 0;
  try {
    while (seen < max) {
      const page = (await receiver.peekMessages(Math.min(PAGE, max - seen))).slice(0, max - seen);
      if (page.length === 0) return;
      seen += page.length;
      yield page;
    }
  } finally {
    await receiver.close();
  }
}

/** Application properties the broker adds when it dead-letters; they do not travel back. */
export const isDeadLetterProperty = (name: string) => /^DeadLetter/i.test(name);

/**
 * The copy a resubmit sends: id, session, body, subject, content type and the
 * application properties of the original, minus the dead-letter ones. Keeping
 * the message id means the broker drops the copy when the original is still
 * inside the entity's duplicate-detection window; `newId` is the way around.
 */
export function resubmitCopy(message: ServiceBusReceivedMessage, newId?: string): ServiceBusMessage {
  const applicationProperties: NonNullable<ServiceBusMessage['applicationProperties']> = {};
  for (const [name, value] of Object.entries(message.applicationProperties ?? {})) {
    if (!isDeadLetterProperty(name)) applicationProperties[name] = value;
  }
  const copy: ServiceBusMessage = { body: message.body, applicationProperties };
  const messageId = newId ?? message.messageId;
  if (messageId !== undefined) copy.messageId = messageId;
  if (message.sessionId !== undefined) copy.sessionId = message.sessionId;
  if (message.subject !== undefined) copy.subject = message.subject;
  if (message.contentType !== undefined) copy.contentType = message.contentType;
  if (message.correlationId !== undefined) copy.correlationId = message.correlationId;
  if (message.replyTo !== undefined) copy.replyTo = message.replyTo;
  if (message.replyToSessionId !== undefined) copy.replyToSessionId = message.replyToSessionId;
  if (message.to !== undefined) copy.to = message.to;
  return copy;
}

/** A dead-lettered message as a JSON line (`--json`). */
export function describeMessage(message: ServiceBusReceivedMessage): Record<string, unknown> {
  return {
    sequenceNumber: message.sequenceNumber?.toString(),
    messageId: message.messageId,
    sessionId: message.sessionId,
    subject: message.subject,
    contentType: message.contentType,
    enqueuedTime: message.enqueuedTimeUtc?.toISOString(),
    deliveryCount: message.deliveryCount,
    deadLetterReason: message.deadLetterReason,
    deadLetterErrorDescription: message.deadLetterErrorDescription,
    deadLetterSource: message.deadLetterSource,
    applicationProperties: message.applicationProperties,
    body: message.body,
  };
}

export interface ReasonCount {
  readonly reason: string;
  readonly count: number;
}

/** Counts by dead-letter reason, most frequent first. */
export function countReasons(reasons: Iterable<string | undefined>): ReasonCount[] {
  const counts = new Map<string, number>();
  for (const given of reasons) {
    const reason = given || '(no reason)';
    counts.set(reason, (counts.get(reason) ?? 0) + 1);
  }
  return [...counts.entries()].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
}
