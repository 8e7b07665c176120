import { randomBytes } from 'node:crypto';
import type { ServiceBusClient, ServiceBusMessage, ServiceBusReceivedMessage } from '@azure/service-bus';
import { BusEntities, commandIdFor, notifierCommandMessage, type NotifierCommand, type NotifierEnvelope } from '@parley/contracts';

let causations = 0;

/** A fresh causing event id per call, so commands of different tests never share ids. */
export function nextCausationId(): string {
  causations += 1;
  return `evt-${process.pid}-${Date.now().toString(36)}-${causations}`;
}

/** The bus message the chat-worker sends for the i-th command of an event (the contracts' builder). */
export function commandMessage(command: NotifierCommand, causationId: string, index: number, partitions = 64): ServiceBusMessage {
  const commandId = commandIdFor(causationId, index);
  const traceparent = `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
  const envelope: NotifierEnvelope = { type: 'notify.command', version: 1, data: command, metadata: { commandId, causationId, traceparent } };
  return notifierCommandMessage(envelope, partitions);
}

/** Sends the commands of one causing event, in order. */
export async function sendCommands(bus: ServiceBusClient, commands: NotifierCommand[], causationId = nextCausationId()): Promise<string> {
  const sender = bus.createSender(BusEntities.notificationsQueue);
  try {
    for (const [index, command] of commands.entries()) await sender.sendMessages(commandMessage(command, causationId, index));
  } finally {
    await sender.close();
  }
  return causationId;
}

/**
 * Sends the commands of one causing event, in order, all into one partition session
 * (whatever their targets), as a backlog a held session would take as one batch.
 */
export async function sendCommandsInSession(bus: ServiceBusClient, sessionId: string, commands: NotifierCommand[], causationId = nextCausationId()): Promise<string> {
  const sender = bus.createSender(BusEntities.notificationsQueue);
  try {
    await sender.sendMessages(commands.map((command, index) => ({ ...commandMessage(command, causationId, index), sessionId })));
  } finally {
    await sender.close();
  }
  return causationId;
}

/** Sends any body (e.g. an invalid envelope) to the queue in a session. */
export async function sendRaw(bus: ServiceBusClient, message: ServiceBusMessage): Promise<void> {
  const sender = bus.createSender(BusEntities.notificationsQueue);
  try {
    await sender.sendMessages(message);
  } finally {
    await sender.close();
  }
}

/** Waits until the notifications DLQ holds a message matching `predicate`; completes what it read. */
export async function takeDeadLetter(
  bus: ServiceBusClient,
  predicate: (message: ServiceBusReceivedMessage) => boolean,
  timeoutMs = 20_000,
): Promise<ServiceBusReceivedMessage> {
  const receiver = bus.createReceiver(BusEntities.notificationsQueue, { subQueueType: 'deadLetter', receiveMode: 'peekLock' });
  const deadline = Date.now() + timeoutMs;
  try {
    while (Date.now() < deadline) {
      for (const message of await receiver.receiveMessages(10, { maxWaitTimeInMs: 500 })) {
        if (predicate(message)) {
          await receiver.completeMessage(message);
          return message;
        }
        await receiver.abandonMessage(message);
      }
    }
  } finally {
    await receiver.close();
  }
  throw new Error(`no matching dead-lettered message within ${timeoutMs} ms`);
}
