import type { ChatEvent } from '@parley/contracts';
import { captureContext, inContext, type Logger, type TraceContext } from '@parley/service-kit';
import { BusUnavailableError } from '../errors.js';

export type Publish = (event: ChatEvent) => Promise<void>;

interface Item {
  readonly event: ChatEvent;
  /** Present when a caller waits for the outcome (message); absent for posted events (connected, disconnected). */
  readonly waiter?: { resolve(): void; reject(error: Error): void };
  readonly startAfter?: Promise<unknown>;
  /** The trace of the request that queued it: its bus send is that request's child. */
  readonly trace?: TraceContext;
}

interface Lane {
  readonly items: Item[];
  wake?: () => void;
  worker?: Promise<void>;
}

export interface ConnectionLanesOptions {
  publish: Publish;
  logger: Logger;
  /** Back-off between attempts at a posted event; its length is the number of retries. */
  retryDelaysMs?: readonly number[];
}

/**
 * The ordered send path of each connection in this gateway: its events reach the bus one
 * after another in the order they were handed in, so here `chat.connected` (posted after the
 * connect answer) is not overtaken by the connection's first message. Only this process's
 * calls are ordered: a Kubernetes Service spreads one connection's calls over every gateway,
 * so nothing correct depends on it — the worker takes a connection's events in any order
 * (docs/architecture.md § Presence). Posted events are retried with back-off; while one is
 * failing, callers queued behind it get a BusUnavailableError at once (they must not overtake it).
 */
export class ConnectionLanes {
  private readonly lanes = new Map<string, Lane>();
  private readonly retryDelaysMs: readonly number[];
  private closing = false;

  constructor(private readonly options: ConnectionLanesOptions) {
    this.retryDelaysMs = options.retryDelaysMs ?? [100, 500, 2_000, 5_000];
  }

  /** Sends and resolves once the bus accepted the event; rejects if it did not (the event is dropped). */
  send(connectionId: string, event: ChatEvent): Promise<void> {
    return new Promise<void>((resolve, reject) => this.enqueue(connectionId, { event, waiter: { resolve, reject } }));
  }

  /** Queues an event nobody waits for; it starts after `startAfter` settles and is retried on failure. */
  post(connectionId: string, event: ChatEvent, startAfter?: Promise<unknown>): void {
    this.enqueue(connectionId, startAfter ? { event, startAfter } : { event });
  }

  get size(): number {
    return this.lanes.size;
  }

  /** Cuts back-off short and waits until every lane is empty (shutdown, after intake stopped). */
  async drain(): Promise<void> {
    this.closing = true;
    while (this.lanes.size > 0) {
      for (const lane of this.lanes.values()) lane.wake?.();
      await Promise.allSettled([...this.lanes.values()].flatMap((lane) => (lane.worker ? [lane.worker] : [])));
    }
  }

  private enqueue(connectionId: string, item: Item): void {
    let lane = this.lanes.get(connectionId);
    if (!lane) {
      lane = { items: [] };
      this.lanes.set(connectionId, lane);
    }
    lane.items.push({ ...item, trace: captureContext() });
    lane.wake?.();
    lane.worker ??= this.run(connectionId, lane);
  }

  private async run(connectionId: string, lane: Lane): Promise<void> {
    try {
      while (lane.items.length > 0) {
        const item = lane.items[0]!;
        if (item.startAfter) await item.startAfter.catch(() => undefined);
        if (item.waiter) await this.sendWaited(item, item.waiter);
        else await this.sendPosted(lane, item);
        lane.items.shift();
      }
    } finally {
      lane.worker = undefined;
      this.lanes.delete(connectionId);
      // An item that arrived after the loop ended but before this point would be orphaned.
      if (lane.items.length > 0) {
        this.lanes.set(connectionId, lane);
        lane.worker = this.run(connectionId, lane);
      }
    }
  }

  private async sendWaited(item: Item, waiter: NonNullable<Item['waiter']>): Promise<void> {
    try {
      await inContext(item.trace, () => this.options.publish(item.event));
      waiter.resolve();
    } catch (error) {
      waiter.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private async sendPosted(lane: Lane, item: Item): Promise<void> {
    const { metadata, type } = item.event;
    const log = this.options.logger.child({ eventId: metadata.eventId, connectionId: metadata.connectionId, userId: metadata.userId, type });
    for (let attempt = 0; ; attempt++) {
      try {
        await inContext(item.trace, () => this.options.publish(item.event));
        if (attempt > 0) log.info({ attempt }, 'posted event accepted after retry');
        return;
      } catch (error) {
        // Whoever waits behind this event must not overtake it: fail them now (503), they resend.
        for (const behind of lane.items.slice(1)) {
          behind.waiter?.reject(new BusUnavailableError('an earlier event of this connection is not yet on the bus'));
        }
        lane.items.splice(1, lane.items.length - 1, ...lane.items.slice(1).filter((behind) => !behind.waiter));
        const delay = this.retryDelaysMs[attempt];
        if (delay === undefined || this.closing) {
          log.error({ err: error, attempts: attempt + 1 }, 'posted event lost: the bus did not accept it');
          return;
        }
        log.warn({ err: error, attempt, delayMs: delay }, 'posting an event failed; retrying');
        await this.sleep(lane, delay);
      }
    }
  }

  /** Back-off that a new arrival or shutdown cuts short. */
  private sleep(lane: Lane, ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        lane.wake = undefined;
        resolve();
      }
      lane.wake = done;
    });
  }
}
