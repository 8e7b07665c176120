import { newLockToken } from '../amqp/lock-token.js';
import { BrokerError, Condition } from '../errors.js';
import type { MessageStore } from './store.js';
import type { MessageLock, StoredMessage } from './stored-message.js';

/** Messages from `fromSeq` on, in sequence order, without locking them (peek). */
export function peekMessages(store: MessageStore, fromSeq: number, count: number, sessionId: string | undefined): StoredMessage[] {
  const found: StoredMessage[] = [];
  for (const m of store.messages.values()) {
    if (m.seq >= fromSeq && (sessionId === undefined || m.sessionId === sessionId)) found.push(m);
  }
  found.sort((a, b) => a.seq - b.seq);
  return found.slice(0, count);
}

/** Locks (peekLock) or removes (receiveAndDelete) deferred messages by sequence number. */
export function receiveDeferred(
  store: MessageStore,
  seqs: number[],
  receiveAndDelete: boolean,
  sessionId: string | undefined,
): { message: StoredMessage; lock?: MessageLock }[] {
  const picked = seqs.map((seq) => {
    const m = store.messages.get(seq);
    if (!m || m.state !== 'deferred' || m.lock || (sessionId !== undefined && m.sessionId !== sessionId)) {
      throw new BrokerError(Condition.messageNotFound, `No deferred message with sequence number ${seq} is available.`);
    }
    return m;
  });
  return picked.map((m) => {
    if (receiveAndDelete) {
      store.remove(m);
      return { message: m };
    }
    const lock: MessageLock = { token: newLockToken(), until: Date.now() + store.props.lockDurationMs, holder: undefined, sessionBound: false };
    store.lock(m, lock, undefined);
    return { message: m, lock };
  });
}

export function cancelScheduled(store: MessageStore, seq: number): void {
  const m = store.messages.get(seq);
  if (m && m.state === 'scheduled') store.remove(m);
}
