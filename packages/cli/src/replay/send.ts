import type { ServiceBusMessage, ServiceBusSender } from '@azure/service-bus';

/** The part of the SDK sender that batching needs. */
export type BatchSender = Pick<ServiceBusSender, 'createMessageBatch' | 'sendMessages'>;

export const SESSION_CONCURRENCY = 8;

/** Groups messages by session id, keeping their order within each group. */
export function groupBySession(messages: readonly ServiceBusMessage[]): ServiceBusMessage[][] {
  const groups = new Map<string, ServiceBusMessage[]>();
  for (const message of messages) {
    const key = message.sessionId ?? '';
    let group = groups.get(key);
    if (!group) groups.set(key, (group = []));
    group.push(message);
  }
  return [...groups.values()];
}

/**
 * Sends in batches of one session each: a partitioned entity refuses a batch
 * that mixes sessions, and one session's batches go out one after the other so
 * the broker keeps their order. Different sessions go out side by side.
 */
export async function sendBySession(sender: BatchSender, messages: readonly ServiceBusMessage[], onSent: (count: number) => void): Promise<void> {
  const queue = groupBySession(messages);
  const worker = async () => {
    for (let group = queue.shift(); group; group = queue.shift()) await sendInOrder(sender, group, onSent);
  };
  await Promise.all(Array.from({ length: Math.min(SESSION_CONCURRENCY, queue.length) }, worker));
}

async function sendInOrder(sender: BatchSender, messages: readonly ServiceBusMessage[], onSent: (count: number) => void): Promise<void> {
  let batch = await sender.createMessageBatch();
  for (const message of messages) {
    if (batch.tryAddMessage(message)) continue;
    if (batch.count === 0) throw new Error(`message ${String(message.messageId)} is larger than the broker's maximum message size`);
    await sender.sendMessages(batch);
    onSent(batch.count);
    batch = await sender.createMessageBatch();
    if (!batch.tryAddMessage(message)) throw new Error(`message ${String(message.messageId)} is larger than the broker's maximum message size`);
  }
  if (batch.count > 0) {
    await sender.sendMessages(batch);
    onSent(batch.count);
  }
}
