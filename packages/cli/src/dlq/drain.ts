import type { ServiceBusClient, ServiceBusReceiver } from '@azure/service-bus';
import { nextEventId } from '@parley/contracts';
import type { OutStream } from '../io.js';
import { createProgress, type Progress } from '../progress.js';
import { openDlq, PAGE, peekDeadLetters, resubmitCopy, type DlqEntity } from './entities.js';

/** How long an empty receive waits before the dead-letter queue counts as drained. */
const DRAIN_WAIT_MS = 3_000;

export interface DrainOptions {
  /** At most this many messages. */
  readonly max: number;
  /** Where the progress goes (stderr): a bar on a terminal, a line every few seconds elsewhere. */
  readonly progress: OutStream;
}

/**
 * How many messages the dead-letter queue holds now (up to `max`), by peeking: the total
 * of the progress bar. Messages dead-lettered meanwhile are taken too; the bar then
 * grows its total rather than pass 100 %.
 */
async function countDeadLetters(client: ServiceBusClient, entity: DlqEntity, max: number): Promise<number> {
  let count = 0;
  for await (const page of peekDeadLetters(client, entity, max)) count += page.length;
  return count;
}

/** Receives pages until the queue stays empty for DRAIN_WAIT_MS or `max` were handled; reports each page. */
async function drain(
  receiver: ServiceBusReceiver,
  max: number,
  progress: Progress,
  total: number,
  handle: (page: Awaited<ReturnType<ServiceBusReceiver['receiveMessages']>>) => Promise<void>,
): Promise<number> {
  let count = 0;
  while (count < max) {
    const messages = await receiver.receiveMessages(Math.min(PAGE, max - count), { maxWaitTimeInMs: DRAIN_WAIT_MS });
    if (messages.length === 0) break;
    await handle(messages);
    count += messages.length;
    progress.update(count, Math.max(total, count), '');
  }
  progress.update(count, Math.max(total, count), '');
  progress.finish();
  return count;
}

/**
 * Sends a copy of each dead-lettered message to the original entity, then completes it
 * (one at a time, in queue order: a message is removed only after its copy was accepted).
 * `newId`: copies get the id `<messageId>:resubmit:<run id>`, past duplicate detection.
 */
export async function resubmit(client: ServiceBusClient, entity: DlqEntity, options: DrainOptions & { newId: boolean }): Promise<{ count: number }> {
  const total = await countDeadLetters(client, entity, options.max);
  const receiver = openDlq(client, entity, 'peekLock');
  const sender = client.createSender(entity.sendTo);
  const runId = options.newId ? nextEventId() : undefined;
  try {
    const count = await drain(receiver, options.max, createProgress(options.progress, 'resubmit', 'messages'), total, async (messages) => {
      for (const message of messages) {
        try {
          await sender.sendMessages(resubmitCopy(message, runId && `${String(message.messageId)}:resubmit:${runId}`));
        } catch (error) {
          await receiver.abandonMessage(message).catch(() => undefined);
          throw error;
        }
        await receiver.completeMessage(message);
      }
    });
    return { count };
  } finally {
    await sender.close();
    await receiver.close();
  }
}

/** Deletes the dead-lettered messages (receive-and-delete). */
export async function purge(client: ServiceBusClient, entity: DlqEntity, options: DrainOptions): Promise<{ count: number }> {
  const total = await countDeadLetters(client, entity, options.max);
  const receiver = openDlq(client, entity, 'receiveAndDelete');
  try {
    const count = await drain(receiver, options.max, createProgress(options.progress, 'purge', 'messages'), total, async () => undefined);
    return { count };
  } finally {
    await receiver.close();
  }
}
