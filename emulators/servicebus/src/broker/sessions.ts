import { BrokerError, Condition } from '../errors.js';
import { MinHeap } from './heap.js';
import type { MessageStore } from './store.js';
import { bySeq, type Consumer, type StoredMessage } from './stored-message.js';

export class SessionEntry {
  readonly ready = new MinHeap<StoredMessage>(bySeq);
  readonly locked = new Set<StoredMessage>();
  holder: Consumer | undefined;
  lockedUntil = 0;
  state: Buffer | undefined;
  updatedAt = Date.now();

  constructor(readonly id: string) {}
}

export interface SessionWaiter {
  readonly consumer: Consumer;
  /** Called with the session just locked for this waiter. */
  readonly granted: (entry: SessionEntry) => void;
}

/**
 * The sessions of one session-enabled store. A session is locked by one
 * receiver link at a time; its messages go to that link in sequence order.
 * acceptNextSession waiters are served first come, first served.
 */
export class SessionRegistry {
  readonly entries = new Map<string, SessionEntry>();
  private readonly held = new Set<SessionEntry>();
  private readonly waiters: SessionWaiter[] = [];

  constructor(private readonly store: MessageStore) {}

  entry(id: string): SessionEntry {
    let e = this.entries.get(id);
    if (!e) {
      e = new SessionEntry(id);
      this.entries.set(id, e);
    }
    return e;
  }

  offer(m: StoredMessage): void {
    const e = this.entry(m.sessionId ?? '');
    e.updatedAt = Date.now();
    if (!m.queued) {
      m.queued = true;
      e.ready.push(m);
    }
    if (e.holder) this.store.scheduleDispatch();
    else this.wake(e);
  }

  /** Locks a named session for a receiver; throws if another receiver holds it. */
  lock(id: string, consumer: Consumer): SessionEntry {
    const e = this.entry(id);
    if (e.holder) {
      throw new BrokerError(Condition.sessionCannotBeLocked, `The requested session '${id}' cannot be accepted. It may be locked by another receiver.`);
    }
    this.take(e, consumer);
    return e;
  }

  /** Locks the first unlocked session that has a message ready, if any. */
  lockNext(consumer: Consumer): SessionEntry | undefined {
    for (const e of this.entries.values()) {
      if (!e.holder && this.hasReady(e)) {
        this.take(e, consumer);
        return e;
      }
    }
    return undefined;
  }

  wait(waiter: SessionWaiter): void {
    this.waiters.push(waiter);
  }

  cancelWait(waiter: SessionWaiter): void {
    const i = this.waiters.indexOf(waiter);
    if (i >= 0) this.waiters.splice(i, 1);
  }

  renew(id: string, consumer: Consumer | undefined): number {
    const e = this.entries.get(id);
    if (!e || !e.holder || (consumer && e.holder !== consumer) || e.lockedUntil <= Date.now()) {
      throw new BrokerError(Condition.sessionLockLost, `The session lock has expired on the session with id ${id}.`);
    }
    e.lockedUntil = Date.now() + this.store.props.lockDurationMs;
    for (const m of e.locked) if (m.lock) m.lock.until = e.lockedUntil;
    return e.lockedUntil;
  }

  /** The session `id` must be locked (by anyone, for $management requests). */
  requireLocked(id: string): SessionEntry {
    const e = this.entries.get(id);
    if (!e || !e.holder || e.lockedUntil <= Date.now()) {
      throw new BrokerError(Condition.sessionLockLost, `The session lock has expired on the session with id ${id}.`);
    }
    return e;
  }

  /** Ends a receiver's hold on its session; its unsettled messages come back. */
  release(e: SessionEntry, consumer: Consumer): void {
    if (e.holder !== consumer) return;
    e.holder = undefined;
    e.lockedUntil = 0;
    this.held.delete(e);
    for (const m of [...e.locked]) this.store.unlock(m, true);
    e.locked.clear();
    if (this.hasReady(e)) this.wake(e);
    else this.tidy(e.id);
  }

  forgetLocked(m: StoredMessage): void {
    this.entries.get(m.sessionId ?? '')?.locked.delete(m);
  }

  /** Forgets a session that holds nothing any more. */
  tidy(id: string): void {
    const e = this.entries.get(id);
    if (!e || e.holder || e.state || e.locked.size > 0 || e.ready.size > 0) return;
    for (const m of this.store.messages.values()) if (m.sessionId === id) return;
    this.entries.delete(id);
  }

  dispatch(): void {
    for (const e of this.held) {
      const holder = e.holder;
      if (!holder) continue;
      let credit = holder.availableCredit();
      while (credit > 0) {
        const m = this.store.nextReady(e.ready);
        if (!m) break;
        credit--;
        this.store.handOut(holder, m, e);
      }
    }
  }

  /** Session ids with messages or state (get-message-sessions). */
  activeIds(): string[] {
    const ids = new Set<string>();
    for (const e of this.entries.values()) if (e.state) ids.add(e.id);
    for (const m of this.store.messages.values()) if (m.sessionId !== undefined) ids.add(m.sessionId);
    return [...ids];
  }

  close(): void {
    this.waiters.length = 0;
    this.held.clear();
  }

  private take(e: SessionEntry, consumer: Consumer): void {
    e.holder = consumer;
    e.lockedUntil = Date.now() + this.store.props.lockDurationMs;
    this.held.add(e);
    this.store.ctx.deadlines.at(e.lockedUntil, () => this.onLockDue(e, consumer));
    this.store.scheduleDispatch();
  }

  private onLockDue(e: SessionEntry, consumer: Consumer): void {
    if (e.holder !== consumer) return;
    if (e.lockedUntil > Date.now()) {
      this.store.ctx.deadlines.at(e.lockedUntil, () => this.onLockDue(e, consumer));
      return;
    }
    consumer.detach(Condition.sessionLockLost, `The session lock has expired on the session with id ${e.id}.`);
    this.release(e, consumer);
  }

  private hasReady(e: SessionEntry): boolean {
    // Peek through stale heap entries without taking a valid one out.
    for (let m = e.ready.peek(); m; m = e.ready.peek()) {
      if (this.store.messages.get(m.seq) === m && m.state === 'active' && !m.lock && m.expiresAt > Date.now()) return true;
      const stale = this.store.nextReady(e.ready);
      if (stale) {
        // nextReady returned a valid message after dropping stale ones: put it back.
        stale.queued = true;
        e.ready.push(stale);
        return true;
      }
    }
    return false;
  }

  private wake(e: SessionEntry): void {
    if (e.holder || this.waiters.length === 0 || !this.hasReady(e)) return;
    const waiter = this.waiters.shift();
    if (!waiter) return;
    this.take(e, waiter.consumer);
    waiter.granted(e);
  }
}
