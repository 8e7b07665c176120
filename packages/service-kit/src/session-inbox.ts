import type { ServiceBusReceivedMessage } from '@azure/service-bus';

type SequenceNumber = NonNullable<ServiceBusReceivedMessage['sequenceNumber']>;

export interface Arrival {
  readonly message: ServiceBusReceivedMessage;
  /** Ends the SDK's handler call for this message, which gives the link one credit back. */
  readonly release: () => void;
}

/**
 * The messages a held session's link has delivered and nobody has handled yet, in
 * session order. The SDK's `subscribe()` calls its handler once per arriving message,
 * in arrival order, and tops the link's credit up by one each time a call ends; each
 * call here only queues the message and returns a promise that ends when the message
 * is settled. So the link carries at most `maxConcurrentCalls` unsettled messages, the
 * session's order is this queue's order, and handling is never concurrent: the session
 * loop takes what has arrived as one batch.
 *
 * A waiter is woken on the next turn of the event loop after the first arrival, not at
 * once: the broker's frames of one socket read are all delivered by then, so a backlog
 * comes as one batch, and a lone message on an idle link waits for no batch to fill.
 *
 * After a message was abandoned for retry, the broker sends it again on this link, behind
 * the later messages already here. The queue is kept in sequence-number order, and
 * awaitReturn() holds everything back until that message is at its front again.
 */
export class SessionInbox {
  private readonly arrivals: Arrival[] = [];
  private wakeWaiter: (() => void) | undefined;
  private wakeScheduled = false;
  /** The abandoned message that must come back before anything is handed out. */
  private awaited: SequenceNumber | undefined;

  /** The SDK's processMessage: queues the message; resolves once it is released. */
  readonly arrive = (message: ServiceBusReceivedMessage): Promise<void> =>
    new Promise<void>((release) => {
      this.insertInOrder({ message, release });
      if (this.awaited !== undefined && message.sequenceNumber?.equals(this.awaited)) this.awaited = undefined;
      this.scheduleWake();
    });

  /** True when messages can be taken (none is held back waiting for a retried one). */
  get ready(): boolean {
    return this.arrivals.length > 0 && this.awaited === undefined;
  }

  /** Holds every queued message back until the message with this sequence number arrives again. */
  awaitReturn(sequenceNumber: SequenceNumber): void {
    // It may be back already: the broker resends it as soon as the abandon lands.
    if (this.arrivals.some((arrival) => arrival.message.sequenceNumber?.equals(sequenceNumber))) return;
    this.awaited = sequenceNumber;
  }

  /** Resolves when messages are ready, when interrupt() is called, or after `timeoutMs`. */
  async wait(timeoutMs: number): Promise<void> {
    if (this.ready) return;
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      this.wakeWaiter = resolve;
      timer = setTimeout(resolve, Math.max(0, timeoutMs));
    });
    clearTimeout(timer);
    this.wakeWaiter = undefined;
  }

  /** Ends a wait now (stop, a link error). */
  interrupt(): void {
    this.wakeWaiter?.();
  }

  /** Takes up to `max` messages from the front, in order; give each back with release(). */
  take(max: number): Arrival[] {
    return this.ready ? this.arrivals.splice(0, max) : [];
  }

  /** Puts a taken message back, in order (a retry left it unsettled). */
  putBack(arrival: Arrival): void {
    this.insertInOrder(arrival);
  }

  /** Releases every queued message unhandled: its lock goes back to the broker with the session. */
  releaseAll(): void {
    for (const arrival of this.arrivals.splice(0)) arrival.release();
  }

  private insertInOrder(arrival: Arrival): void {
    const sequence = arrival.message.sequenceNumber;
    let at = this.arrivals.length;
    // Arrivals come in order but for a retried message; walk back from the end.
    while (at > 0 && sequence !== undefined && this.arrivals[at - 1]!.message.sequenceNumber?.greaterThan(sequence)) at--;
    this.arrivals.splice(at, 0, arrival);
  }

  private scheduleWake(): void {
    if (this.wakeScheduled || !this.wakeWaiter || !this.ready) return;
    this.wakeScheduled = true;
    setImmediate(() => {
      this.wakeScheduled = false;
      this.wakeWaiter?.();
    });
  }
}
