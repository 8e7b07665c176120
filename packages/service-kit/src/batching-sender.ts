/** The errors a sender's callers get, in the caller's own types (and error codes). */
export interface BatchingErrors {
  /** The bus did not take the batch (or the sender is closed): worth retrying. */
  unavailable(reason: string, cause?: unknown): Error;
  /** One message does not fit an empty batch: retrying cannot help. */
  tooLarge(): Error;
}

/** The part of a message batch the sender needs (ServiceBusMessageBatch fits). */
export interface BatchLike<M> {
  tryAddMessage(message: M): boolean;
  readonly count: number;
}

/** How batches are made and sent; the Service Bus adapter wraps a ServiceBusSender in this. */
export interface BatchTransport<M, B extends BatchLike<M>> {
  createBatch(): Promise<B>;
  sendBatch(batch: B): Promise<void>;
}

export interface BatchOutcome {
  readonly size: number;
  readonly sessions: number;
  readonly seconds: number;
  readonly ok: boolean;
}

export interface BatchingSenderOptions {
  errors: BatchingErrors;
  /** Cap on messages per batch, besides the broker's size limit. */
  maxBatchMessages?: number;
  /** How many sessions one batch may hold: 1 for entities that require it (partitioned ones). */
  maxSessionsPerBatch?: number;
  /** Batches in flight at once; what arrives meanwhile waits and joins the next batches. */
  maxInFlightBatches?: number;
  onBatch?: (outcome: BatchOutcome) => void;
}

interface Pending<M> {
  readonly message: M;
  resolve(): void;
  reject(error: Error): void;
}

interface SessionQueue<M> {
  readonly items: Pending<M>[];
  /** True while a batch holding this session's messages is in flight. */
  busy: boolean;
}

/**
 * Coalesces concurrent sends into batches. Order per session is kept because
 * a session's messages leave in FIFO order and a session is in at most one
 * batch in flight; a later batch takes its next messages only after that one
 * was settled. Under light load a message leaves at once (no timer); under
 * load, messages queue while the in-flight slots are busy and leave together.
 * A caller's promise resolves only when the batch holding its message was accepted.
 */
export class BatchingSender<M, B extends BatchLike<M>> {
  private readonly sessions = new Map<string, SessionQueue<M>>();
  /** Sessions with waiting messages and no batch in flight, oldest first. */
  private readonly ready = new Set<string>();
  private readonly maxBatchMessages: number;
  private readonly maxSessionsPerBatch: number;
  private readonly maxInFlight: number;
  private inFlight = 0;
  private scheduled = false;
  private closed = false;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly transport: BatchTransport<M, B>,
    private readonly options: BatchingSenderOptions,
  ) {
    this.maxBatchMessages = options.maxBatchMessages ?? 100;
    this.maxSessionsPerBatch = options.maxSessionsPerBatch ?? Number.POSITIVE_INFINITY;
    this.maxInFlight = options.maxInFlightBatches ?? 8;
  }

  send(sessionId: string, message: M): Promise<void> {
    if (this.closed) return Promise.reject(this.options.errors.unavailable('the sender is closed'));
    return new Promise<void>((resolve, reject) => {
      let queue = this.sessions.get(sessionId);
      if (!queue) {
        queue = { items: [], busy: false };
        this.sessions.set(sessionId, queue);
      }
      queue.items.push({ message, resolve, reject });
      if (!queue.busy) this.ready.add(sessionId);
      this.schedule();
    });
  }

  /** Messages waiting for a batch (not those already in flight). */
  get pending(): number {
    let count = 0;
    for (const queue of this.sessions.values()) count += queue.items.length;
    return count;
  }

  /** Refuses new sends and waits until everything queued was sent or failed. */
  async close(): Promise<void> {
    this.closed = true;
    await this.drain();
  }

  drain(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private isIdle(): boolean {
    return this.inFlight === 0 && this.sessions.size === 0;
  }

  /** Lets the callers of the current tick join the first batch. */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.fill();
    });
  }

  private fill(): void {
    while (this.inFlight < this.maxInFlight && this.ready.size > 0) {
      const first = this.takeReady()!;
      this.inFlight++;
      void this.sendBatch(first).finally(() => {
        this.inFlight--;
        this.fill();
      });
    }
    if (this.isIdle()) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  private takeReady(): string | undefined {
    const next = this.ready.values().next();
    if (next.done) return undefined;
    this.ready.delete(next.value);
    this.sessions.get(next.value)!.busy = true;
    return next.value;
  }

  private release(sessionId: string): void {
    const queue = this.sessions.get(sessionId)!;
    queue.busy = false;
    if (queue.items.length > 0) this.ready.add(sessionId);
    else this.sessions.delete(sessionId);
  }

  private async sendBatch(firstSession: string): Promise<void> {
    const held = [firstSession];
    const taken: Pending<M>[] = [];
    try {
      let batch: B;
      try {
        batch = await this.transport.createBatch();
      } catch (error) {
        for (const item of this.sessions.get(firstSession)!.items.splice(0, this.maxBatchMessages)) item.reject(this.unavailable(error));
        return;
      }
      // The first session fills what it can; then more ready sessions join while there is room.
      let full = this.addFrom(firstSession, batch, taken);
      while (!full && held.length < this.maxSessionsPerBatch && this.ready.size > 0) {
        const next = this.takeReady()!;
        held.push(next);
        full = this.addFrom(next, batch, taken);
      }
      if (taken.length === 0) return;
      const started = performance.now();
      try {
        await this.transport.sendBatch(batch);
        this.report(taken.length, held.length, started, true);
        for (const item of taken) item.resolve();
      } catch (error) {
        this.report(taken.length, held.length, started, false);
        for (const item of taken) item.reject(this.unavailable(error));
      }
    } finally {
      for (const sessionId of held) this.release(sessionId);
    }
  }

  /** Moves a session's messages into the batch in order; true when the batch can take no more. */
  private addFrom(sessionId: string, batch: B, taken: Pending<M>[]): boolean {
    const items = this.sessions.get(sessionId)!.items;
    while (items.length > 0) {
      if (taken.length >= this.maxBatchMessages) return true;
      const item = items[0]!;
      let added: boolean;
      try {
        added = batch.tryAddMessage(item.message);
      } catch (error) {
        items.shift();
        item.reject(error instanceof Error ? error : new Error(String(error)));
        continue;
      }
      if (added) {
        taken.push(items.shift()!);
      } else if (taken.length === 0) {
        items.shift();
        item.reject(this.options.errors.tooLarge());
      } else {
        return true;
      }
    }
    return false;
  }

  private unavailable(error: unknown): Error {
    const reason = error instanceof Error ? error.message : String(error);
    return this.options.errors.unavailable(`the bus did not accept the batch: ${reason}`, error);
  }

  private report(size: number, sessions: number, started: number, ok: boolean): void {
    this.options.onBatch?.({ size, sessions, seconds: (performance.now() - started) / 1000, ok });
  }
}
