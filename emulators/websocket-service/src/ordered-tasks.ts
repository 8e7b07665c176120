/**
 * One connection's calls to its upstream or event handler, run one at a time in arrival order,
 * so the handler sees a connection's events (its disconnect last) in the order they happened
 * and answers come back in that order.
 */
export class OrderedTasks {
  private pending = 0;
  private tail: Promise<void> | undefined;

  /** `onError` hears of a task that threw; the tasks after it still run. */
  constructor(private readonly onError: (error: Error) => void) {}

  /** Tasks added and not yet finished: the seed face pauses a socket on this. */
  get size(): number {
    return this.pending;
  }

  add(task: () => Promise<void>): void {
    this.pending++;
    const run = async (): Promise<void> => {
      try {
        await task();
      } catch (error) {
        this.onError(error as Error);
      } finally {
        if (--this.pending === 0) this.tail = undefined;
      }
    };
    this.tail = this.tail ? this.tail.then(run) : run();
  }

  /** Keeps the end of the tasks added so far in `draining`, for a shutdown to wait on. */
  drainInto(draining: Set<Promise<void>>): void {
    keepUntilSettled(draining, this.tail ?? Promise.resolve());
  }
}

/** Holds `work` in `draining` until it settles, so a shutdown can wait for calls already made. */
export function keepUntilSettled(draining: Set<Promise<void>>, work: Promise<void>): void {
  draining.add(work);
  void work.finally(() => draining.delete(work));
}
