import { ServiceBusClient, type ServiceBusReceivedMessage, type ServiceBusSessionReceiver } from '@azure/service-bus';
import { BusEntities, type NotifierEnvelope } from '@parley/contracts';

/** A client for tests: short timeouts so a failing test does not hang on retries. */
export function testBusClient(connectionString: string): ServiceBusClient {
  return new ServiceBusClient(connectionString, { retryOptions: { maxRetries: 1, retryDelayInMs: 100, timeoutInMs: 5_000 } });
}

/**
 * Receives (and completes) a connection's events from the chat-worker subscription, waiting up
 * to `waitMs` for `count` of them, in the order of their session. chat-events sessions are keyed
 * by the user, which the caller need not know: every session holding messages is drained (what
 * belongs to other connections is completed and dropped), so call it once the events are sent.
 */
export async function receiveSession(client: ServiceBusClient, connectionId: string, options: { count: number; waitMs?: number }): Promise<ServiceBusReceivedMessage[]> {
  const received: ServiceBusReceivedMessage[] = [];
  const deadline = Date.now() + (options.waitMs ?? 5_000);
  while (received.length < options.count && Date.now() < deadline) {
    let receiver: ServiceBusSessionReceiver;
    try {
      receiver = await client.acceptNextSession(BusEntities.chatEventsTopic, BusEntities.chatWorkerSubscription, {
        maxAutoLockRenewalDurationInMs: 0,
        abortSignal: AbortSignal.timeout(Math.max(100, deadline - Date.now())),
      });
    } catch {
      continue; // no session holds a message yet
    }
    try {
      for (;;) {
        const batch = await receiver.receiveMessages(100, { maxWaitTimeInMs: 300 });
        if (batch.length === 0) break;
        for (const message of batch) {
          await receiver.completeMessage(message);
          if ((message.body as { metadata?: { connectionId?: unknown } } | undefined)?.metadata?.connectionId === connectionId) received.push(message);
        }
      }
    } finally {
      await receiver.close();
    }
  }
  return received;
}

/** Receives (and completes) up to `count` messages of one partition session, in order. */
export async function receivePartition(client: ServiceBusClient, sessionId: string, count: number, waitMs = 5_000): Promise<ServiceBusReceivedMessage[]> {
  const receiver = await client.acceptSession(BusEntities.chatEventsTopic, BusEntities.chatWorkerSubscription, sessionId);
  const received: ServiceBusReceivedMessage[] = [];
  const deadline = Date.now() + waitMs;
  try {
    while (received.length < count && Date.now() < deadline) {
      const batch = await receiver.receiveMessages(count - received.length, { maxWaitTimeInMs: Math.max(100, Math.min(1_000, deadline - Date.now())) });
      for (const message of batch) {
        await receiver.completeMessage(message);
        received.push(message);
      }
    }
  } finally {
    await receiver.close();
  }
  return received;
}

/**
 * Takes the next `notifications` session that has messages (none within `acceptWaitMs`: an
 * empty list), completes everything it holds and answers the commands in session order.
 */
export async function drainNextNotificationSession(client: ServiceBusClient, acceptWaitMs: number): Promise<NotifierEnvelope[]> {
  let receiver: ServiceBusSessionReceiver;
  try {
    receiver = await client.acceptNextSession(BusEntities.notificationsQueue, { maxAutoLockRenewalDurationInMs: 0, abortSignal: AbortSignal.timeout(acceptWaitMs) });
  } catch {
    return [];
  }
  const commands: NotifierEnvelope[] = [];
  try {
    for (;;) {
      const batch: ServiceBusReceivedMessage[] = await receiver.receiveMessages(100, { maxWaitTimeInMs: 300 });
      if (batch.length === 0) return commands;
      for (const message of batch) await receiver.completeMessage(message);
      commands.push(...batch.map((message) => message.body as NotifierEnvelope));
    }
  } finally {
    await receiver.close();
  }
}
