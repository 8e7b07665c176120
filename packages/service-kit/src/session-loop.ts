import type { ServiceBusReceivedMessage, ServiceBusSessionReceiver } from '@azure/service-bus';
import { classifyBusError } from './bus-errors.js';
import type { ConsumerMetrics } from './consumer-metrics.js';
import type { ConsumerState } from './consumer-state.js';
import type { Logger } from './logger.js';
import type { BatchSettled } from './message-settlement.js';
import { SessionInbox } from './session-inbox.js';

export interface SessionHolding {
  readonly state: ConsumerState;
  readonly metrics: ConsumerMetrics;
  readonly logger: Logger;
  /** Give a session back after this long without messages, so other sessions get a turn. */
  readonly sessionIdleMs: number;
  /** Give a busy session back after this long, so instances added by the autoscaler get partitions. */
  readonly maxSessionHoldMs: number;
  /** The most messages handed over as one batch; also the link's credit (unsettled messages in hand). */
  readonly maxBatchSize: number;
  /** Handles and settles one batch, in order; says what it left unsettled (message-settlement.ts). */
  readonly settleBatch: (receiver: ServiceBusSessionReceiver, messages: ServiceBusReceivedMessage[]) => Promise<BatchSettled>;
  /** Told once the session is given back, so its slot can take another. */
  readonly released: () => void;
}

/** Holds one accepted session, in order, until it goes quiet or was held long enough; then gives it back. */
export async function holdSession(holding: SessionHolding, slot: number, receiver: ServiceBusSessionReceiver): Promise<void> {
  const { state, metrics } = holding;
  const inbox = new SessionInbox();
  state.held.set(slot, receiver);
  metrics.sessions.inc();
  try {
    await drainSession(holding, slot, receiver, inbox);
  } catch (error) {
    holding.logger.warn({ err: error, sessionId: receiver.sessionId }, 'session ended with an error');
    if (classifyBusError(error) === 'fatal') await state.brokerFailed(slot, error, 1, 'receiving');
  } finally {
    state.held.delete(slot);
    state.failing.delete(slot);
    state.waiting.delete(slot);
    metrics.sessions.dec();
    // Closing first: the messages still queued go back to the broker unsettled with the session
    // (in order, for whoever accepts it next), and releasing them then adds no credit to a live link.
    await receiver.close().catch(() => undefined);
    inbox.releaseAll();
    holding.released();
  }
}

/**
 * Takes the session's messages as batches until it goes quiet or was held long enough.
 *
 * The link is fed by the SDK's `subscribe()` with `maxBatchSize` credits (session-inbox.ts):
 * whatever arrived while the last batch was handled is the next batch, so batches grow with
 * the backlog and a message on an idle link is handled on arrival. Two things the SDK's
 * `receiveMessages()` would do are avoided this way: a partial batch held up to 1 s waiting
 * for more, and the drain of unused credit at the end of each receive, after which the SDK
 * closes the link (losing the session) when the broker's answer takes over 200 ms.
 */
async function drainSession(holding: SessionHolding, slot: number, receiver: ServiceBusSessionReceiver, inbox: SessionInbox): Promise<void> {
  const { state, metrics, sessionIdleMs, maxSessionHoldMs, maxBatchSize } = holding;
  const holdUntil = Date.now() + maxSessionHoldMs;
  let linkError: unknown;
  receiver.subscribe(
    {
      processMessage: inbox.arrive,
      processError: async (args) => {
        linkError ??= args.error;
        inbox.interrupt();
      },
    },
    { autoCompleteMessages: false, maxConcurrentCalls: maxBatchSize },
  );
  state.waiting.set(slot, () => inbox.interrupt());
  while (!state.stopping && Date.now() < holdUntil) {
    await inbox.wait(Math.min(sessionIdleMs, holdUntil - Date.now()));
    if (linkError !== undefined) throw linkError;
    // Quiet, stopping or held long enough: what is queued goes back unsettled with the session.
    if (!inbox.ready || state.stopping || Date.now() >= holdUntil) return;
    state.failing.delete(slot);
    const batch = inbox.take(maxBatchSize);
    metrics.operations.inc('receive');
    metrics.batchSize.observe(batch.length);
    let settled: BatchSettled = { unsettled: [] };
    try {
      settled = await holding.settleBatch(
        receiver,
        batch.map((arrival) => arrival.message),
      );
    } finally {
      // What a retry left unsettled stays locked here and goes back in the queue; the rest gives its credit back.
      const unsettled = new Set(settled.unsettled);
      for (const arrival of batch) {
        if (unsettled.has(arrival.message)) inbox.putBack(arrival);
        else arrival.release();
      }
    }
    if (settled.giveBack) return;
    if (settled.returning?.sequenceNumber !== undefined) inbox.awaitReturn(settled.returning.sequenceNumber);
  }
}
