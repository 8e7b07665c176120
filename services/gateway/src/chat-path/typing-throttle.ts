import { Limits, type TypingFrame } from '@parley/contracts';

export interface TypingThrottleOptions {
  /** The shortest time between two typing frames of one connection in one conversation. */
  readonly intervalMs?: number;
  /** Past this many connections held, those quiet for longer than the interval are forgotten. */
  readonly maxConnections?: number;
}

/**
 * The gateway's typing throttle: one typing frame per connection and conversation per
 * Limits.typingIntervalMs, before the relay reads a row or calls the service. It is the only
 * throttle typing has: kept by each gateway copy for the calls it handles, so one connection's
 * calls spread over N copies get at most N notices through per interval (docs/chat-protocol.md
 * § Typing).
 */
export class TypingThrottle {
  /** Connection id → conversation → time of the last typing frame let through. */
  private readonly last = new Map<string, Map<string, number>>();
  private readonly intervalMs: number;
  private readonly maxConnections: number;

  constructor(options: TypingThrottleOptions = {}) {
    this.intervalMs = options.intervalMs ?? Limits.typingIntervalMs;
    this.maxConnections = options.maxConnections ?? 100_000;
  }

  /** Lets the frame through (and remembers when) unless the connection typed in this conversation too recently. */
  take(connectionId: string, frame: TypingFrame, now: number): boolean {
    const conversation = frame.room !== undefined ? `room\n${frame.room}` : `to\n${frame.to ?? ''}`;
    let times = this.last.get(connectionId);
    if (times === undefined) {
      if (this.last.size >= this.maxConnections) this.sweep(now);
      times = new Map();
      this.last.set(connectionId, times);
    }
    const previous = times.get(conversation);
    if (previous !== undefined && now - previous < this.intervalMs) return false;
    times.set(conversation, now);
    return true;
  }

  /** The connection is gone: nothing of it is kept. */
  forget(connectionId: string): void {
    this.last.delete(connectionId);
  }

  get size(): number {
    return this.last.size;
  }

  /** Connections that have not typed within the interval: forgetting them changes no answer. */
  private sweep(now: number): void {
    for (const [connectionId, times] of this.last) {
      if ([...times.values()].every((at) => now - at >= this.intervalMs)) this.last.delete(connectionId);
    }
  }
}
