import { ServiceBusClient, type ServiceBusReceivedMessage } from '@azure/service-bus';
import { BusEntities, partitionSessionId } from '@parley/contracts';

/** A client for tests: short timeouts so a failing test does not hang on retries. */
export function testBusClient(connectionString: string): ServiceBusClient {
  return new ServiceBusClient(connectionString, { retryOptions: { maxRetries: 1, retryDelayInMs: 100, timeoutInMs: 5_000 } });
}

/**
 * Receives (and completes) what the chat-worker subscription holds for a
 * connection's partition session, waiting up to `waitMs` for `count` messages.
 */
export async function receiveSession(
  client: ServiceBusClient,
  connectionId: string,
  options: { count: number; waitMs?: number; partitions?: number },
): Promise<ServiceBusReceivedMessage[]> {
  const sessionId = partitionSessionId(connectionId, options.partitions ?? 64);
  const receiver = await client.acceptSession(BusEntities.chatEventsTopic, BusEntities.chatWorkerSubscription, sessionId);
  const received: ServiceBusReceivedMessage[] = [];
  const deadline = Date.now() + (options.waitMs ?? 5_000);
  try {
    while (received.length < options.count && Date.now() < deadline) {
      const batch = await receiver.receiveMessages(options.count - received.length, { maxWaitTimeInMs: Math.max(100, Math.min(1_000, deadline - Date.now())) });
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
