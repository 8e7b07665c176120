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

export interface MessageHandling<T> {
  /** Entity name, for the CONSUMER span. */
  readonly entity: string;
  readonly parse: (body: unknown) => Result<T>;
  readonly handle: (value: T, context: MessageContext) => Promise<void>;
  /** Delay before abandoning after a transient failure, by delivery count. */
  readonly retryDelayMs: (deliveryCount: number) => number;
  readonly logger: Logger;
  readonly metrics: ConsumerMetrics;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Handles one message and settles it (docs/style.md §8): an invalid body or a permanent
 * failure is dead-lettered at once with its code as the reason; any other failure abandons
 * the message after a back-off, so the broker redelivers it and dead-letters it past the max
 * delivery count; success completes it. Returns false after an abandon: the rest of the
 * batch must be given back so the retried message is not overtaken.
 */
export async function handleAndSettle<T>(handling: MessageHandling<T>, receiver: ServiceBusSessionReceiver, message: ServiceBusReceivedMessage): Promise<boolean> {
  const { metrics } = handling;
  const log = handling.logger.child({ messageId: message.messageId, sessionId: message.sessionId, deliveryCount: message.deliveryCount });
  const stopTimer = metrics.duration.startTimer();
  const parsed = handling.parse(message.body);
  if (!parsed.ok) {
    log.warn({ code: parsed.error.code, reason: parsed.error.message }, 'invalid message dead-lettered');
    metrics.operations.inc('deadLetter');
    await receiver.deadLetterMessage(message, { deadLetterReason: parsed.error.code, deadLetterErrorDescription: parsed.error.message });
    metrics.outcomes.inc({ outcome: 'invalid' });
    return true;
  }
  try {
    // A CONSUMER span continuing the producer's trace (the message's traceparent); no-op while tracing is off.
    await withMessageSpan(handling.entity, message, () => handling.handle(parsed.value, { message, logger: log }));
  } catch (error) {
    if (isPermanent(error)) {
      log.warn({ err: error, reason: error.reason }, 'permanent failure dead-lettered');
      metrics.operations.inc('deadLetter');
      await receiver.deadLetterMessage(message, { deadLetterReason: error.reason, deadLetterErrorDescription: error.message });
      metrics.outcomes.inc({ outcome: 'dead-lettered' });
      return true;
    }
    log.warn({ err: error }, 'transient failure; abandoning for retry');
    await sleep(handling.retryDelayMs(message.deliveryCount ?? 0));
    metrics.operations.inc('abandon');
    await receiver.abandonMessage(message);
    metrics.outcomes.inc({ outcome: 'abandoned' });
    return false;
  }
  // Outside the try: a failed settlement (lost session lock, closed link) is no failure of the
  // handler and must not dead-letter; it ends the session and the broker redelivers.
  metrics.operations.inc('complete');
  await receiver.completeMessage(message);
  metrics.outcomes.inc({ outcome: 'completed' });
  stopTimer();
  return true;
}
