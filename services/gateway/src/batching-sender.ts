import { BusUnavailableError, GatewayErrorCodes } from './errors.js';

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
  readonly sessionId: string;
  readonly size: number;
  readonly seconds: number;
  readonly ok: boolean;
}

export interface BatchingSenderOptions {
  /** Cap on messages per batch, besides the broker's size limit. */
  maxBatchMessages?: number;
  onBatch?: (outcome: BatchOutcome) => void;
}

export class MessageTooLargeError extends Error {
  readonly code = GatewayErrorCodes.messageTooLarge;
  constructor() {
    super('the message does not fit into an empty batch');
    this.name = 'MessageTooLargeError';
  }
}

interface Pending<M> {
  readonly message: M;
  resolve(): void;
  reject(error: Error): void;
}

interface SessionQueue<M> {
  readonly items: Pending<M>[];
  pump?: Promise<void>;
}

/**
 * Coalesces concurrent sends per session into batches. Each session has at
 * most one batch in flight; whatever arrives meanwhile waits in FIFO order and
 * becomes the next batch, so the order of one session is the order of calls,
 * and no timer adds latency when the load is light. A caller's promise
 * resolves only when the batch holding its message was accepted.
 */
export class BatchingSender<M, B extends BatchLike<M>> {
  private readonly queues = new Map<string, SessionQueue<M>>();
  private readonly maxBatchMessages: number;
  private closed = false;

  constructor(
    private readonly transport: BatchTransport<M, B>,
    private readonly options: BatchingSenderOptions = {},
  ) {
    this.maxBatchMessages = options.maxBatchMessages ?? 100;
  }

  send(sessionId: string, message: M): Promise<void> {
    if (this.closed) return Promise.reject(new BusUnavailableError('the sender is closed'));
    return new Promise<void>((resolve, reject) => {
      let queue = this.queues.get(sessionId);
      if (!queue) {
        queue = { items: [] };
        this.queues.set(sessionId, queue);
      }
      queue.items.push({ message, resolve, reject });
      queue.pump ??= this.pump(sessionId, queue);
    });
  }

  /** Messages waiting for a batch (not those already in flight). */
  get pending(): number {
    let count = 0;
    for (const queue of this.queues.values()) count += queue.items.length;
    return count;
  }

  /** Refuses new sends and waits until everything queued was sent or failed. */
  async close(): Promise<void> {
    this.closed = true;
    await this.drain();
  }

  async drain(): Promise<void> {
    while (this.queues.size > 0) {
      await Promise.allSettled([...this.queues.values()].map((queue) => queue.pump));
    }
  }

  private async pump(sessionId: string, queue: SessionQueue<M>): Promise<void> {
    // Let the callers of this tick join the first batch.
    await Promise.resolve();
    try {
      while (queue.items.length > 0) await this.sendNext(sessionId, queue);
    } finally {
      queue.pump = undefined;
      if (queue.items.length === 0) this.queues.delete(sessionId);
      else queue.pump = this.pump(sessionId, queue);
    }
  }

  private async sendNext(sessionId: string, queue: SessionQueue<M>): Promise<void> {
    let batch: B;
    try {
      batch = await this.transport.createBatch();
    } catch (error) {
      for (const item of queue.items.splice(0, this.maxBatchMessages)) item.reject(unavailable(error));
      return;
    }
    const taken: Pending<M>[] = [];
    while (queue.items.length > 0 && taken.length < this.maxBatchMessages) {
      const item = queue.items[0]!;
      let added: boolean;
      try {
        added = batch.tryAddMessage(item.message);
      } catch (error) {
        queue.items.shift();
        item.reject(error instanceof Error ? error : new Error(String(error)));
        continue;
      }
      if (added) {
        taken.push(queue.items.shift()!);
      } else if (taken.length === 0) {
        queue.items.shift();
        item.reject(new MessageTooLargeError());
      } else {
        break;
      }
    }
    if (taken.length === 0) return;
    const started = performance.now();
    try {
      await this.transport.sendBatch(batch);
      this.options.onBatch?.({ sessionId, size: taken.length, seconds: (performance.now() - started) / 1000, ok: true });
      for (const item of taken) item.resolve();
    } catch (error) {
      this.options.onBatch?.({ sessionId, size: taken.length, seconds: (performance.now() - started) / 1000, ok: false });
      for (const item of taken) item.reject(unavailable(error));
    }
  }
}

function unavailable(error: unknown): Error {
  if (error instanceof BusUnavailableError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new BusUnavailableError(`the bus did not accept the batch: ${reason}`, { cause: error });
}
