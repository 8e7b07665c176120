import type { ServiceBusReceivedMessage, ServiceBusSessionReceiver } from '@azure/service-bus';
import type { Result } from '@parley/contracts';
import type { ConsumerMetrics } from './consumer-metrics.js';
import { isPermanent } from './errors.js';
import type { Logger } from './logger.js';
import { withMessageSpan } from './tracing-spans.js';

export interface MessageContext {
  readonly message: ServiceBusReceivedMessage;
  readonly logger: Logger;
}

/** One valid message of a batch: its parsed body and where it came from. */
export interface BatchItem<T> {
  readonly value: T;
  readonly context: MessageContext;
}

/**
 * What became of one item: handled (it is completed), or failed with an error. A permanent
 * error (errors.ts) dead-letters the item with its reason; any other error means "retry":
 * the item is abandoned after a back-off and nothing after it in the session is completed.
 */
export type ItemOutcome = 'done' | { readonly failed: unknown };

/**
 * Handles a batch in order. Returns one outcome per item, in order, up to where it stopped:
 * items past the end of the answer were not handled, and go back to the broker with the session.
 * A throw counts as a failure of the first item.
 */
export type BatchHandler<T> = (items: readonly BatchItem<T>[]) => Promise<readonly ItemOutcome[]>;

export interface MessageHandling<T> {
  readonly parse: (body: unknown) => Result<T>;
  readonly handleBatch: BatchHandler<T>;
  /** Delay before abandoning after a transient failure, by delivery count. */
  readonly retryDelayMs: (deliveryCount: number) => number;
  readonly logger: Logger;
  readonly metrics: ConsumerMetrics;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A batch handler from a one-message handler: each item in turn, each in a CONSUMER span
 * continuing its producer's trace, stopping at the first failure that is not permanent
 * (what follows must not overtake its retry).
 */
export function oneAtATime<T>(entity: string, handle: (value: T, context: MessageContext) => Promise<void>): BatchHandler<T> {
  return async (items) => {
    const outcomes: ItemOutcome[] = [];
    for (const item of items) {
      try {
        await withMessageSpan(entity, item.context.message, () => handle(item.value, item.context));
        outcomes.push('done');
      } catch (error) {
        outcomes.push({ failed: error });
        if (!isPermanent(error)) break;
      }
    }
    return outcomes;
  };
}

/** What a batch left unsettled, for the session loop to put back in order. */
export interface BatchSettled {
  /** Messages after a retried one: still locked here, handled again once it is back. */
  readonly unsettled: readonly ServiceBusReceivedMessage[];
  /** The message abandoned for retry, when the broker will send it again (not dead-lettered for its delivery count). */
  readonly returning?: ServiceBusReceivedMessage;
  /** The handler stopped short without a failure: the session goes back with the rest unsettled. */
  readonly giveBack?: boolean;
}

/**
 * Handles one batch of a session and settles each message by its own outcome (docs/style.md
 * §8): an invalid body or a permanent failure is dead-lettered with its code as the reason;
 * success completes; the first other failure abandons that message after a back-off, so the
 * broker redelivers it (and dead-letters it past the max delivery count). What follows it
 * stays unsettled and is handed back: it is handled again only after the retried message,
 * and its own delivery count is not raised by a predecessor's failures.
 */
export async function settleBatch<T>(
  handling: MessageHandling<T>,
  receiver: ServiceBusSessionReceiver,
  messages: readonly ServiceBusReceivedMessage[],
): Promise<BatchSettled> {
  const { metrics, logger } = handling;
  const stopTimer = metrics.duration.startTimer();
  const items: BatchItem<T>[] = [];
  for (const message of messages) {
    const log = logger.child({ messageId: message.messageId, sessionId: message.sessionId, deliveryCount: message.deliveryCount });
    const parsed = handling.parse(message.body);
    if (parsed.ok) {
      items.push({ value: parsed.value, context: { message, logger: log } });
      continue;
    }
    log.warn({ code: parsed.error.code, reason: parsed.error.message }, 'invalid message dead-lettered');
    await deadLetter(handling, receiver, message, parsed.error.code, parsed.error.message, 'invalid');
  }
  let outcomes: readonly ItemOutcome[] = [];
  if (items.length > 0) {
    try {
      outcomes = await handling.handleBatch(items);
    } catch (error) {
      outcomes = [{ failed: error }];
    }
  }
  // Completions go out together. Any other settlement goes out alone, after the completions
  // before it: rhea (3.0.5) folds the dispositions of consecutive deliveries written in one
  // turn into one range with the first one's outcome when that range starts with a single
  // delivery, so a dead-letter next to a completion could become a completion, or the reverse.
  // A failed settlement (lost session lock, closed link) is no failure of the handler and must
  // not dead-letter: it ends the session and the broker redelivers.
  let completions: Promise<void>[] = [];
  const flushCompletions = async () => {
    await Promise.all(completions);
    completions = [];
  };
  for (const [index, item] of items.entries()) {
    const outcome = outcomes[index];
    const { message, logger: log } = item.context;
    if (outcome === 'done') {
      completions.push(complete(handling, receiver, message));
      continue;
    }
    await flushCompletions();
    if (outcome !== undefined && isPermanent(outcome.failed)) {
      log.warn({ err: outcome.failed, reason: outcome.failed.reason }, 'permanent failure dead-lettered');
      await deadLetter(handling, receiver, message, outcome.failed.reason, outcome.failed.message, 'dead-lettered');
      continue;
    }
    if (outcome === undefined) return { unsettled: items.slice(index).map((rest) => rest.context.message), giveBack: true };
    log.warn({ err: outcome.failed }, 'transient failure; abandoning for retry');
    await sleep(handling.retryDelayMs(message.deliveryCount ?? 0));
    metrics.operations.inc('abandon');
    await receiver.abandonMessage(message);
    metrics.outcomes.inc({ outcome: 'abandoned' });
    const unsettled = items.slice(index + 1).map((rest) => rest.context.message);
    return (await stillQueued(receiver, message)) ? { unsettled, returning: message } : { unsettled };
  }
  await flushCompletions();
  stopTimer();
  return { unsettled: [] };
}

/**
 * Whether an abandoned message is still in the session (it comes back on this link) rather
 * than moved to the dead-letter queue for its delivery count. A peek sees locked messages too.
 */
async function stillQueued(receiver: ServiceBusSessionReceiver, message: ServiceBusReceivedMessage): Promise<boolean> {
  const sequenceNumber = message.sequenceNumber;
  if (sequenceNumber === undefined) return false;
  const [next] = await receiver.peekMessages(1, { fromSequenceNumber: sequenceNumber });
  return next?.sequenceNumber?.equals(sequenceNumber) ?? false;
}

async function complete<T>(handling: MessageHandling<T>, receiver: ServiceBusSessionReceiver, message: ServiceBusReceivedMessage): Promise<void> {
  handling.metrics.operations.inc('complete');
  await receiver.completeMessage(message);
  handling.metrics.outcomes.inc({ outcome: 'completed' });
}

async function deadLetter<T>(
  handling: MessageHandling<T>,
  receiver: ServiceBusSessionReceiver,
  message: ServiceBusReceivedMessage,
  reason: string,
  description: string,
  outcome: 'invalid' | 'dead-lettered',
): Promise<void> {
  handling.metrics.operations.inc('deadLetter');
  await receiver.deadLetterMessage(message, { deadLetterReason: reason, deadLetterErrorDescription: description });
  handling.metrics.outcomes.inc({ outcome });
}
