import type { ServiceBusSessionReceiver } from '@azure/service-bus';
import { classifyBusError, transientBackoffMs } from './bus-errors.js';
import { KitErrorCodes } from './errors.js';
import type { Logger } from './logger.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * What the parts of one consumer share: whether it is stopping (and why, when a fatal broker
 * error stopped it), the sessions it holds, and which slots are failing. Slots are numbered:
 * acceptors count down from -1, held sessions up from 1, so both fit in `failing`.
 */
export class ConsumerState {
  stopping = false;
  /** The broker error that stopped the consumer for good; undefined while it runs. */
  fatal: unknown = undefined;
  /** Held sessions by slot. */
  readonly held = new Map<number, ServiceBusSessionReceiver>();
  /** Held sessions, with what ends a wait for their next batch (session-inbox.ts); stop() calls them. */
  readonly waiting = new Map<number, () => void>();
  /** Slots whose last broker request failed: the consumer is not ready while any is. */
  readonly failing = new Set<number>();
  /**
   * Resolves once stopping. A slot waiting for a next session leaves at once instead of
   * holding stop() until the broker's accept timeout; the SDK cannot cancel a pending link attach.
   */
  readonly stopped: Promise<undefined>;
  private signalStop!: () => void;

  constructor(
    private readonly logger: Logger,
    private readonly entity: string,
  ) {
    this.stopped = new Promise<undefined>((resolve) => (this.signalStop = () => resolve(undefined)));
  }

  stop(): void {
    this.stopping = true;
    this.signalStop();
  }

  healthy(): boolean {
    return this.failing.size === 0 && this.fatal === undefined;
  }

  alive(): boolean {
    return this.fatal === undefined;
  }

  /**
   * Sorts a broker error (docs/style.md §8): idle goes straight back to accepting, fatal stops
   * every slot, transient waits with back-off. Returns false when the slot must end.
   */
  async brokerFailed(slot: number, error: unknown, failuresInARow: number, doing: string): Promise<boolean> {
    if (this.stopping) return false;
    const kind = classifyBusError(error);
    // The broker answered (no session has messages): it is reachable again, so ready again.
    if (kind === 'idle') {
      this.failing.delete(slot);
      return true;
    }
    this.failing.add(slot);
    if (kind === 'fatal') {
      if (this.fatal === undefined) {
        this.fatal = error;
        this.logger.fatal({ err: error, code: KitErrorCodes.consumerStopped, entity: this.entity }, `${doing} failed permanently; consumer stopped`);
      }
      this.stop();
      return false;
    }
    const delayMs = transientBackoffMs(failuresInARow);
    this.logger.error({ err: error, slot, delayMs, failuresInARow }, `${doing} failed; backing off`);
    await Promise.race([sleep(delayMs), this.stopped]);
    return !this.stopping;
  }
}
