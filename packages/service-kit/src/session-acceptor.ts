import type { ServiceBusSessionReceiver } from '@azure/service-bus';
import type { AcceptorPool } from './acceptor-pool.js';
import { classifyBusError } from './bus-errors.js';
import type { ConsumerMetrics } from './consumer-metrics.js';
import type { ConsumerState } from './consumer-state.js';

/** An unreachable broker refuses a connection within milliseconds; an accept alive after this reached it. */
const REACHED_BROKER_MS = 2_000;

export interface SessionAccepting {
  readonly state: ConsumerState;
  readonly pool: AcceptorPool;
  readonly metrics: ConsumerMetrics;
  /** One `acceptNextSession` on the consumer's entity: waits at the broker for a session with messages. */
  readonly acceptNext: () => Promise<ServiceBusSessionReceiver>;
  /** Takes an accepted session over (session-loop.ts); the acceptor does not wait for it. */
  readonly hold: (receiver: ServiceBusSessionReceiver) => void;
}

/**
 * One acceptor: waits for room in the pool, then at the broker for a session with messages,
 * hands it over and accepts again. The pool decides how many run: few while idle, more while
 * accepts keep finding sessions (acceptor-pool.ts). Ends on stop, on a fatal broker error, or
 * when the pool has more acceptors than it needs.
 */
export async function runAcceptor(accepting: SessionAccepting, slot: number): Promise<void> {
  const { state, pool, metrics } = accepting;
  let failuresInARow = 0;
  let retired = false;
  try {
    while (!state.stopping) {
      await Promise.race([pool.room(), state.stopped]);
      if (state.stopping) return;
      let receiver: ServiceBusSessionReceiver | undefined;
      // A retried accept that has not failed within this long reached the broker and waits there
      // for a session: the slot is ready again now, not when a session or the accept timeout comes.
      const reachedBroker = failuresInARow > 0 ? setTimeout(() => state.failing.delete(slot), REACHED_BROKER_MS) : undefined;
      try {
        metrics.operations.inc('accept');
        const accept = accepting.acceptNext();
        receiver = await Promise.race([accept, state.stopped]);
        if (!receiver) {
          // Stopping: a session accepted after all is given straight back.
          accept.then((late) => late.close(), () => undefined).catch(() => undefined);
          return;
        }
      } catch (error) {
        clearTimeout(reachedBroker);
        pool.acceptEnded();
        const idle = classifyBusError(error) === 'idle';
        if (idle && pool.retireIfExtra()) return void (retired = true);
        if (!idle) failuresInARow++;
        if (!(await state.brokerFailed(slot, error, failuresInARow, 'accepting a session'))) return;
        continue;
      }
      clearTimeout(reachedBroker);
      failuresInARow = 0;
      state.failing.delete(slot);
      pool.accepted();
      accepting.hold(receiver);
    }
  } finally {
    state.failing.delete(slot);
    if (!retired) pool.exited();
  }
}
