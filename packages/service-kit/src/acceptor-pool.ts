/**
 * How many session accepts wait at the broker. Each pending `acceptNextSession`
 * is a link the broker holds open and the SDK re-creates on every timeout, so
 * one per partition costs CPU on both sides while nothing happens. Instead: a
 * few while idle (`min`), one more after every accept that found a session
 * (there may be a backlog, up to `max`), one fewer after every accept that
 * timed out empty; never more accepts in flight plus held sessions than
 * `slots`. Only accepts in flight count: an acceptor waiting for room holds
 * nothing, and counting it too would let busy held sessions plus waiting
 * acceptors pass `slots` for good, starving the partitions nobody holds. A
 * waiting accept is granted the moment a message arrives for a session nobody
 * holds, so a quiet-time message waits no longer than with one accept per partition.
 */
export class AcceptorPool {
  private acceptors = 0;
  /** Acceptors between room() and the end of their accept: the accepts in flight at the broker. */
  private accepting = 0;
  private held = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly limits: { readonly min: number; readonly max: number; readonly slots: number },
    private readonly spawn: () => void,
  ) {}

  /** Starts the idle minimum. */
  start(): void {
    for (let i = 0; i < Math.min(this.limits.min, this.limits.slots); i++) this.add();
  }

  /**
   * Before an accept: resolves once a slot is free (held sessions plus accepts in flight below
   * `slots`) and reserves it for this accept; end it with accepted() or acceptEnded().
   */
  async room(): Promise<void> {
    while (this.held + this.accepting >= this.limits.slots) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.accepting++;
  }

  /** An accept ended without a session (timed out empty, failed, or stopping): its slot is free. */
  acceptEnded(): void {
    this.accepting--;
    this.wake();
  }

  /** An accept found a session: it is held now, and another acceptor joins while there is room. */
  accepted(): void {
    this.accepting--;
    this.held++;
    if (this.acceptors < this.limits.max && this.held + this.acceptors < this.limits.slots) this.add();
  }

  /** An accept timed out empty: true when this acceptor should end (more than the minimum wait); it is counted out. */
  retireIfExtra(): boolean {
    if (this.acceptors <= this.limits.min) return false;
    this.acceptors--;
    return true;
  }

  /** An acceptor ended for another reason (stop, fatal error). */
  exited(): void {
    this.acceptors--;
    this.wake();
  }

  /** A held session was given back. */
  released(): void {
    this.held--;
    this.wake();
  }

  /** Wakes every waiter on stop, so they see it and end. */
  wakeAll(): void {
    for (const resolve of this.waiting.splice(0)) resolve();
  }

  counts(): { acceptors: number; accepting: number; held: number } {
    return { acceptors: this.acceptors, accepting: this.accepting, held: this.held };
  }

  private add(): void {
    this.acceptors++;
    this.spawn();
  }

  private wake(): void {
    this.waiting.shift()?.();
  }
}
