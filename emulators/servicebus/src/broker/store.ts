import { parseMessage, withApplicationProperties, type ParsedMessage } from '../amqp/codec.js';
import { newLockToken } from '../amqp/lock-token.js';
import type { ReceivableProps } from '../config/model.js';
import { BrokerError, Condition, lockLost } from '../errors.js';
import type { BrokerContext } from './context.js';
import { MinHeap } from './heap.js';
import { SessionRegistry, type SessionEntry } from './sessions.js';
import { bySeq, StoredMessage, type Consumer, type MessageLock } from './stored-message.js';

/** How a client settles a locked message. */
export type Outcome =
  | { kind: 'complete' }
  | { kind: 'abandon'; properties?: Record<string, unknown> }
  | { kind: 'defer'; properties?: Record<string, unknown> }
  | { kind: 'deadLetter'; reason?: string; description?: string; properties?: Record<string, unknown> };

/**
 * One receivable message store: a queue, a subscription, or the dead-letter
 * queue of either. It owns ordering, locks, delivery counts, deferral,
 * scheduling, expiry and the move to the dead-letter queue. Every change is
 * appended to the journal synchronously; callers wait on `journal.sync()`
 * before they confirm anything to a client.
 */
export class MessageStore {
  readonly messages = new Map<number, StoredMessage>();
  readonly sessions: SessionRegistry | undefined;
  private readonly ready = new MinHeap<StoredMessage>(bySeq);
  private readonly consumers: Consumer[] = [];
  private roundRobin = 0;
  /**
   * Set when the entity forwards its dead letters: takes one and answers true,
   * or false when it cannot (the dead letter then stays here).
   */
  forwardDeadLetter: ((parsed: ParsedMessage, hops: number) => boolean) | undefined;
  private dispatchQueued = false;
  private closed = false;

  constructor(
    readonly ctx: BrokerContext,
    /** Display path, e.g. "orders" or "events/Subscriptions/audit/$DeadLetterQueue". */
    readonly path: string,
    /** Queue or topic whose sequence numbers the messages carry (journal key). */
    readonly entityKey: string,
    readonly props: ReceivableProps,
    readonly deadLetterQueue: MessageStore | undefined,
  ) {
    this.sessions = props.requiresSession ? new SessionRegistry(this) : undefined;
  }

  get key(): string {
    return this.path.toLowerCase();
  }

  get isDeadLetterQueue(): boolean {
    return this.deadLetterQueue === undefined;
  }

  // ---- arrival -------------------------------------------------------------

  /** Adds a message that is already journaled. */
  insert(m: StoredMessage): void {
    this.messages.set(m.seq, m);
    if (m.state === 'scheduled') {
      this.ctx.deadlines.at(m.enqueuedAt, () => this.activate(m));
      return;
    }
    this.watchExpiry(m);
    if (m.state === 'active') this.makeAvailable(m);
  }

  private activate(m: StoredMessage): void {
    if (this.messages.get(m.seq) !== m || m.state !== 'scheduled') return;
    m.state = 'active';
    this.watchExpiry(m);
    this.makeAvailable(m);
  }

  private watchExpiry(m: StoredMessage): void {
    if (Number.isFinite(m.expiresAt)) this.ctx.deadlines.at(m.expiresAt, () => this.onExpiryDue(m));
  }

  private onExpiryDue(m: StoredMessage): void {
    // Locked messages expire when their lock ends (see afterUnlock).
    if (this.messages.get(m.seq) !== m || m.lock || m.state === 'scheduled') return;
    if (m.expiresAt <= Date.now()) this.expire(m);
  }

  makeAvailable(m: StoredMessage): void {
    if (this.sessions) {
      this.sessions.offer(m);
      return;
    }
    if (!m.queued) {
      m.queued = true;
      this.ready.push(m);
    }
    this.scheduleDispatch();
  }

  // ---- delivery ------------------------------------------------------------

  addConsumer(c: Consumer): void {
    this.consumers.push(c);
    this.scheduleDispatch();
  }

  removeConsumer(c: Consumer): void {
    const i = this.consumers.indexOf(c);
    if (i >= 0) this.consumers.splice(i, 1);
  }

  /** Coalesces dispatch requests of one turn of the event loop. */
  scheduleDispatch(): void {
    if (this.dispatchQueued || this.closed) return;
    this.dispatchQueued = true;
    setImmediate(() => {
      this.dispatchQueued = false;
      if (!this.closed) this.dispatch();
    });
  }

  /** Hands ready messages to consumers with credit, one each per round. */
  dispatch(): void {
    if (this.sessions) {
      this.sessions.dispatch();
      return;
    }
    const consumers = this.consumers;
    if (consumers.length === 0 || this.ready.size === 0) return;
    const credits = consumers.map((c) => c.availableCredit());
    let progressed = true;
    while (progressed && this.ready.size > 0) {
      progressed = false;
      for (let k = 0; k < consumers.length; k++) {
        const i = (this.roundRobin + k) % consumers.length;
        const consumer = consumers[i];
        if (!consumer || (credits[i] ?? 0) <= 0) continue;
        const m = this.nextReady(this.ready);
        if (!m) return;
        credits[i] = (credits[i] ?? 0) - 1;
        progressed = true;
        this.handOut(consumer, m, undefined);
      }
      this.roundRobin = (this.roundRobin + 1) % consumers.length;
    }
  }

  /** Pops the next deliverable message of a ready heap, dropping stale entries. */
  nextReady(heap: MinHeap<StoredMessage>): StoredMessage | undefined {
    const now = Date.now();
    for (let m = heap.pop(); m; m = heap.pop()) {
      m.queued = false;
      if (this.messages.get(m.seq) !== m || m.state !== 'active' || m.lock) continue;
      if (m.expiresAt <= now) {
        this.expire(m);
        continue;
      }
      return m;
    }
    return undefined;
  }

  handOut(consumer: Consumer, m: StoredMessage, session: SessionEntry | undefined): void {
    if (consumer.receiveAndDelete) {
      this.remove(m);
      consumer.deliver(m, undefined);
      return;
    }
    const until = session ? session.lockedUntil : Date.now() + this.props.lockDurationMs;
    const lock: MessageLock = { token: newLockToken(), until, holder: consumer, sessionBound: session !== undefined };
    this.lock(m, lock, session);
    consumer.deliver(m, lock);
  }

  lock(m: StoredMessage, lock: MessageLock, session: SessionEntry | undefined): void {
    m.lock = lock;
    this.ctx.locks.set(lock.token.key, { store: this, message: m });
    if (session) session.locked.add(m);
    else this.ctx.deadlines.at(lock.until, () => this.onLockDue(m, lock));
  }

  private onLockDue(m: StoredMessage, lock: MessageLock): void {
    if (m.lock !== lock) return;
    if (lock.until > Date.now()) this.ctx.deadlines.at(lock.until, () => this.onLockDue(m, lock));
    else this.unlock(m, true);
  }

  /** Ends a lock; a counted delivery may move the message to the dead-letter queue. */
  unlock(m: StoredMessage, countDelivery: boolean, changes?: Record<string, unknown>): void {
    this.dropLock(m);
    if (this.messages.get(m.seq) !== m) return;
    if (changes && Object.keys(changes).length > 0) this.rewrite(m, changes);
    if (countDelivery) {
      m.deliveryCount++;
      if (m.deliveryCount >= this.props.maxDeliveryCount && this.deadLetterQueue) {
        const max = this.props.maxDeliveryCount;
        this.moveToDeadLetter(m, 'MaxDeliveryCountExceeded', `Message could not be consumed after ${max} delivery attempts.`);
        return;
      }
    }
    if (countDelivery || changes) this.journalUpdate(m, changes !== undefined);
    this.afterUnlock(m);
  }

  private dropLock(m: StoredMessage): void {
    const lock = m.lock;
    if (!lock) return;
    m.lock = undefined;
    this.ctx.locks.delete(lock.token.key);
    if (lock.sessionBound && m.sessionId !== undefined) this.sessions?.forgetLocked(m);
  }

  private afterUnlock(m: StoredMessage): void {
    if (m.expiresAt <= Date.now()) this.expire(m);
    else if (m.state === 'active') this.makeAvailable(m);
  }

  // ---- settlement ----------------------------------------------------------

  /** True while `lock` still holds `m`; a lapsed lock is released on the spot. */
  holds(m: StoredMessage, lock: MessageLock): boolean {
    if (m.lock !== lock || this.messages.get(m.seq) !== m) return false;
    if (!lock.sessionBound && lock.until <= Date.now()) {
      this.unlock(m, true);
      return false;
    }
    return true;
  }

  settle(m: StoredMessage, lock: MessageLock, outcome: Outcome): void {
    if (!this.holds(m, lock)) throw lockLost();
    switch (outcome.kind) {
      case 'complete':
        this.remove(m);
        return;
      case 'abandon':
        this.unlock(m, true, outcome.properties);
        return;
      case 'defer':
        this.dropLock(m);
        m.state = 'deferred';
        if (outcome.properties) this.rewrite(m, outcome.properties);
        this.journalUpdate(m, outcome.properties !== undefined);
        if (m.expiresAt <= Date.now()) this.expire(m);
        return;
      case 'deadLetter':
        if (!this.deadLetterQueue) {
          throw new BrokerError(Condition.notAllowed, 'A message in a dead-letter queue cannot be dead-lettered again.');
        }
        this.dropLock(m);
        this.moveToDeadLetter(m, outcome.reason, outcome.description, outcome.properties);
        return;
    }
  }

  renewLock(m: StoredMessage): number {
    const lock = m.lock;
    if (!lock || !this.holds(m, lock)) throw lockLost();
    if (lock.sessionBound) {
      throw new BrokerError(Condition.notAllowed, 'Session messages are locked by their session; renew the session lock.');
    }
    lock.until = Date.now() + this.props.lockDurationMs;
    return lock.until;
  }

  // ---- removal, expiry, dead-lettering -------------------------------------

  remove(m: StoredMessage): void {
    if (this.messages.get(m.seq) !== m) return;
    this.dropLock(m);
    this.messages.delete(m.seq);
    this.ctx.journal.append({ t: 'del', store: this.key, seq: m.seq });
    if (m.sessionId !== undefined) this.sessions?.tidy(m.sessionId);
  }

  private expire(m: StoredMessage): void {
    if (this.props.deadLetteringOnExpiration && this.deadLetterQueue) {
      this.moveToDeadLetter(m, 'TTLExpiredException', 'The message expired and was dead lettered.');
    } else {
      this.remove(m);
    }
  }

  private moveToDeadLetter(m: StoredMessage, reason?: string, description?: string, props?: Record<string, unknown>): void {
    const raw = withApplicationProperties(m.parsed, {
      ...props,
      DeadLetterReason: reason,
      DeadLetterErrorDescription: description,
    });
    // The copy is journaled before the removal: a crash in between duplicates, never loses.
    this.placeDeadLetter(parseMessage(raw), m.seq, m.enqueuedAt, m.deliveryCount, 0);
    this.remove(m);
  }

  /**
   * Puts a dead letter (already carrying its reason) into this store's
   * dead-letter queue, or hands it to ForwardDeadLetteredMessagesTo.
   */
  placeDeadLetter(parsed: ParsedMessage, seq: number, enqueuedAt: number, deliveryCount: number, hops: number): void {
    const dlq = this.deadLetterQueue;
    if (!dlq) return;
    if (this.forwardDeadLetter?.(parsed, hops)) return;
    this.ctx.journal.append({
      t: 'enq', entity: this.entityKey, stores: [dlq.key], seq, at: enqueuedAt,
      dc: deliveryCount, state: 'active', dls: this.path, raw: parsed.raw,
    });
    dlq.insert(new StoredMessage(seq, parsed, enqueuedAt, Number.POSITIVE_INFINITY, 'active', deliveryCount, this.path));
  }

  private rewrite(m: StoredMessage, changes: Record<string, unknown>): void {
    m.parsed = parseMessage(withApplicationProperties(m.parsed, changes));
  }

  private journalUpdate(m: StoredMessage, withBytes: boolean): void {
    this.ctx.journal.append({
      t: 'upd', store: this.key, seq: m.seq, dc: m.deliveryCount, state: m.state,
      ...(withBytes ? { raw: m.parsed.raw } : {}),
    });
  }

  close(): void {
    this.closed = true;
    this.consumers.length = 0;
    this.sessions?.close();
  }
}
