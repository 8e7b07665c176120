import type { ParsedMessage } from '../amqp/codec.js';
import type { LockToken } from '../amqp/lock-token.js';

export type MessageState = 'active' | 'deferred' | 'scheduled';

/** The link a message went out on (implemented by the AMQP layer). */
export interface Consumer {
  readonly receiveAndDelete: boolean;
  /** Deliveries the client still has room for right now. */
  availableCredit(): number;
  /** Hands a message to the client; `lock` is undefined in receiveAndDelete mode. */
  deliver(message: StoredMessage, lock: MessageLock | undefined): void;
  /** Detaches the link with an error (session lock lost). */
  detach(condition: string, description: string): void;
}

export interface MessageLock {
  readonly token: LockToken;
  /** When the lock ends; for a session message, the session lock's end. */
  until: number;
  /** Undefined when the message was locked through `$management`. */
  readonly holder: Consumer | undefined;
  /** Session messages are locked by their session, not one by one. */
  readonly sessionBound: boolean;
}

export class StoredMessage {
  lock: MessageLock | undefined;
  /** True while the message sits in a ready heap (avoids double entries). */
  queued = false;

  constructor(
    readonly seq: number,
    public parsed: ParsedMessage,
    public enqueuedAt: number,
    public expiresAt: number,
    public state: MessageState,
    public deliveryCount: number,
    public deadLetterSource: string | undefined,
  ) {}

  get sessionId(): string | undefined {
    return this.parsed.sessionId;
  }
}

export function bySeq(a: StoredMessage, b: StoredMessage): boolean {
  return a.seq < b.seq;
}
