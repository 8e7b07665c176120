import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ServiceBusClient,
  type ServiceBusReceivedMessage,
} from '@azure/service-bus';
import { BusEntities, chatEventMessage, nextEventId, PROFILE_CONNECTION_ID, type ChatEvent, type ClientFrame } from '@parley/contracts';
import { PARLEY_SERVICEBUS_CONFIG, tempDir } from '@parley/testkit';

type Props = Record<string, string | number | boolean>;

/**
 * A copy of Parley's broker config with some entity properties changed
 * (a short lock, a low MaxDeliveryCount…), written to a temporary file.
 */
export function parleyBusConfig(changes: { subscription?: Props; topic?: Props; notifications?: Props }): string {
  const config = JSON.parse(readFileSync(PARLEY_SERVICEBUS_CONFIG, 'utf8')) as {
    UserConfig: { Namespaces: { Queues: { Name: string; Properties: Props }[]; Topics: { Name: string; Properties: Props; Subscriptions: { Name: string; Properties: Props }[] }[] }[] };
  };
  const ns = config.UserConfig.Namespaces[0]!;
  const queue = ns.Queues.find((q) => q.Name === BusEntities.notificationsQueue)!;
  const topic = ns.Topics.find((t) => t.Name === BusEntities.chatEventsTopic)!;
  const subscription = topic.Subscriptions.find((s) => s.Name === BusEntities.chatWorkerSubscription)!;
  Object.assign(queue.Properties, changes.notifications);
  Object.assign(topic.Properties, changes.topic);
  Object.assign(subscription.Properties, changes.subscription);
  const file = join(tempDir('chat-worker-bus-'), 'Config.json');
  writeFileSync(file, JSON.stringify(config));
  return file;
}

/** A test client that gives up quickly when no session has messages. */
export function testBusClient(connectionString: string): ServiceBusClient {
  return new ServiceBusClient(connectionString, { retryOptions: { maxRetries: 1, retryDelayInMs: 100, timeoutInMs: 2_000 } });
}

export interface EventSpec {
  user: string;
  connectionId: string;
  hub?: string;
  eventId?: string;
  receivedAt?: string;
  replayed?: boolean;
  notify?: boolean;
  /** The gateway's per-user rate, as it stamps it on messages. */
  rateLimit?: { perSecond: number; burst: number };
}

const metadata = (spec: EventSpec) => ({
  eventId: spec.eventId ?? nextEventId(),
  hub: spec.hub ?? 'chat',
  connectionId: spec.connectionId,
  userId: spec.user,
  receivedAt: spec.receivedAt ?? new Date().toISOString(),
  traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  ...(spec.replayed === undefined ? {} : { replayed: spec.replayed }),
  ...(spec.notify === undefined ? {} : { notify: spec.notify }),
  ...(spec.rateLimit === undefined ? {} : { rateLimit: spec.rateLimit }),
});

/** Events as the gateway stamps them. */
export const events = {
  connected: (spec: EventSpec): ChatEvent => ({ type: 'chat.connected', version: 1, data: {}, metadata: metadata(spec) }),
  disconnected: (spec: EventSpec): ChatEvent => ({ type: 'chat.disconnected', version: 1, data: {}, metadata: metadata(spec) }),
  message: (spec: EventSpec, frame: ClientFrame): ChatEvent => ({ type: 'chat.message', version: 1, data: { frame }, metadata: metadata(spec) }),
  /** The gateway's `chat.profile` at negotiate (`spec.connectionId` is ignored: there is no connection yet). */
  profile: (spec: Omit<EventSpec, 'connectionId'>, name: string): ChatEvent => ({
    type: 'chat.profile',
    version: 1,
    data: { name },
    metadata: metadata({ ...spec, connectionId: PROFILE_CONNECTION_ID }),
  }),
};

/** Sends events to `chat-events` the way the gateway does; `messageId` may be overridden to simulate a redelivery past duplicate detection. */
export async function sendEvents(client: ServiceBusClient, list: readonly (ChatEvent | { body: unknown; sessionId: string; messageId?: string })[], partitions = 64): Promise<void> {
  const sender = client.createSender(BusEntities.chatEventsTopic);
  try {
    for (const item of list) {
      if ('body' in item) {
        // A raw body (an invalid envelope) or a whole message (a redelivery): sent as given.
        await sender.sendMessages({ contentType: 'application/json', ...item, messageId: item.messageId ?? nextEventId() });
        continue;
      }
      await sender.sendMessages(chatEventMessage(item, { partitions }));
    }
  } finally {
    await sender.close();
  }
}

/** The same envelope again under a new bus message id: what a redelivery looks like to the worker. */
export function redelivery(event: ChatEvent, partitions = 64) {
  return chatEventMessage(event, { partitions, messageId: `${event.metadata.eventId}-again-${nextEventId()}` });
}

/**
 * Receives (and completes) every message in the session queue `notifications`
 * until `expected` arrived and then nothing more came for a while.
 */
export async function drainNotifications(client: ServiceBusClient, expected = 0, timeoutMs = 30_000): Promise<ServiceBusReceivedMessage[]> {
  const received: ServiceBusReceivedMessage[] = [];
  const deadline = Date.now() + timeoutMs;
  let quietRounds = 0;
  while (Date.now() < deadline && (received.length < expected || quietRounds < 1)) {
    let receiver;
    try {
      receiver = await client.acceptNextSession(BusEntities.notificationsQueue, { maxAutoLockRenewalDurationInMs: 0 });
    } catch {
      quietRounds++;
      continue;
    }
    quietRounds = 0;
    try {
      for (;;) {
        const batch = await receiver.receiveMessages(100, { maxWaitTimeInMs: 300 });
        if (batch.length === 0) break;
        for (const message of batch) await receiver.completeMessage(message);
        received.push(...batch);
      }
    } finally {
      await receiver.close();
    }
  }
  return received;
}

/** Reads a dead-letter sub-queue of the chat-worker subscription. */
export async function readDeadLetters(client: ServiceBusClient, expected: number, timeoutMs = 30_000): Promise<ServiceBusReceivedMessage[]> {
  const receiver = client.createReceiver(BusEntities.chatEventsTopic, BusEntities.chatWorkerSubscription, { subQueueType: 'deadLetter' });
  const received: ServiceBusReceivedMessage[] = [];
  const deadline = Date.now() + timeoutMs;
  try {
    while (received.length < expected && Date.now() < deadline) {
      const batch = await receiver.receiveMessages(expected - received.length, { maxWaitTimeInMs: 1_000 });
      for (const message of batch) await receiver.completeMessage(message);
      received.push(...batch);
    }
  } finally {
    await receiver.close();
  }
  return received;
}
