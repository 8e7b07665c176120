import type { ServiceBusReceivedMessage, ServiceBusSessionReceiver } from '@azure/service-bus';
import { classifyBusError } from './bus-errors.js';
import type { ConsumerMetrics } from './consumer-metrics.js';
import type { ConsumerState } from './consumer-state.js';
import type { Logger } from './logger.js';

/** A receive's own wait outlasts the hold limit; the quiet timer always ends it first. */
const RECEIVE_WAIT_MARGIN_MS = 60_000;

export interface SessionHolding {
  readonly state: ConsumerState;
  readonly metrics: ConsumerMetrics;
  readonly logger: Logger;
  /** Give a session back after this long without messages, so other sessions get a turn. */
  readonly sessionIdleMs: number;
  /** Give a busy session back after this long, so instances added by the autoscaler get partitions. */
  readonly maxSessionHoldMs: number;
  /** Handles and settles one message; false means give back the rest of the batch (message-settlement.ts). */
  readonly settle: (receiver: ServiceBusSessionReceiver, message: ServiceBusReceivedMessage) => Promise<boolean>;
  /** Told once the session is given back, so its slot can take another. */
  readonly released: () => void;
}

/** Holds one accepted session, in order, until it goes quiet or was held long enough; then gives it back. */
export async function holdSession(holding: SessionHolding, slot: number, receiver: ServiceBusSessionReceiver): Promise<void> {
  const { state, metrics } = holding;
  state.held.set(slot, receiver);
  metrics.sessions.inc();
  try {
    await drainSession(holding, slot, receiver);
  } catch (error) {
    holding.logger.warn({ err: error, sessionId: receiver.sessionId }, 'session ended with an error');
    if (classifyBusError(error) === 'fatal') await state.brokerFailed(slot, error, 1, 'receiving');
  } finally {
    state.held.delete(slot);
    state.failing.delete(slot);
    metrics.sessions.dec();
    await receiver.close().catch(() => undefined);
    holding.released();
  }
}

/**
 * Receives one message at a time until the session goes quiet or was held long enough (a batch
 * receive would hold its first message up to 1 s while it waits for the rest).
 *
 * A receive never ends on its own wait: one that ends with its credit unused makes the SDK
 * drain the link, and the SDK closes the link (losing the session and failing the settlement
 * of whatever is in hand) when the drain's answer takes over 200 ms, which a busy event loop
 * alone causes. So each receive waits for as long as the session may be held, and a timer
 * closes the receiver instead once the session is quiet (or at the hold limit, or at stop):
 * a close while waiting settles nothing and gives the session straight back. A receive
 * returns as soon as its one message arrives, so quiet-time latency is that of the broker.
 */
async function drainSession(holding: SessionHolding, slot: number, receiver: ServiceBusSessionReceiver): Promise<void> {
  const { state, metrics, sessionIdleMs, maxSessionHoldMs } = holding;
  const holdUntil = Date.now() + maxSessionHoldMs;
  while (!state.stopping && Date.now() < holdUntil) {
    const quietUntil = Math.min(Date.now() + sessionIdleMs, holdUntil);
    let closedWhileWaiting = false;
    const closeWhileWaiting = () => {
      closedWhileWaiting = true;
      void receiver.close().catch(() => undefined);
    };
    const quietTimer = setTimeout(closeWhileWaiting, quietUntil - Date.now());
    state.waiting.set(slot, closeWhileWaiting);
    metrics.operations.inc('receive');
    let messages: ServiceBusReceivedMessage[];
    try {
      messages = await receiver.receiveMessages(1, { maxWaitTimeInMs: maxSessionHoldMs + RECEIVE_WAIT_MARGIN_MS });
    } finally {
      clearTimeout(quietTimer);
      state.waiting.delete(slot);
    }
    state.failing.delete(slot);
    // A message that raced the close is left unsettled: the broker gives it out again with the session.
    if (closedWhileWaiting || messages.length === 0) return;
    for (let i = 0; i < messages.length; i++) {
      const message = messages[i]!;
      if (state.stopping || !(await holding.settle(receiver, message))) {
        // Give back the rest unprocessed so a retried message is not overtaken.
        for (const rest of messages.slice(state.stopping ? i : i + 1)) await receiver.abandonMessage(rest).catch(() => undefined);
        break;
      }
    }
  }
}
