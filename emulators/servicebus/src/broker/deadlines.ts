import { MinHeap } from './heap.js';

interface Deadline {
  readonly at: number;
  readonly fire: () => void;
}

/**
 * Every time-based rule of the broker (lock expiry, scheduled enqueue, message
 * TTL, session lock expiry, acceptNextSession timeouts) goes through one heap
 * and one timer. Callbacks re-check their own state when they fire, so a
 * deadline that no longer matters (lock renewed, message settled) is a no-op
 * and nothing has to be cancelled.
 */
export class Deadlines {
  private readonly heap = new MinHeap<Deadline>((a, b) => a.at < b.at);
  private timer: NodeJS.Timeout | undefined;
  private armedAt = Number.POSITIVE_INFINITY;
  private closed = false;

  constructor(private readonly onError: (err: unknown) => void) {}

  at(at: number, fire: () => void): void {
    if (this.closed || !Number.isFinite(at)) return;
    this.heap.push({ at, fire });
    if (at < this.armedAt) this.arm();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.heap.clear();
  }

  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    const next = this.heap.peek();
    if (!next) {
      this.timer = undefined;
      this.armedAt = Number.POSITIVE_INFINITY;
      return;
    }
    this.armedAt = next.at;
    // setTimeout caps at ~24.8 days; a later deadline just re-arms on wake-up.
    const delay = Math.min(Math.max(0, next.at - Date.now()), 2 ** 31 - 1);
    this.timer = setTimeout(() => this.run(), delay);
  }

  private run(): void {
    this.timer = undefined;
    this.armedAt = Number.POSITIVE_INFINITY;
    const now = Date.now();
    for (let next = this.heap.peek(); next && next.at <= now; next = this.heap.peek()) {
      this.heap.pop();
      try {
        next.fire();
      } catch (err) {
        this.onError(err);
      }
    }
    if (!this.closed) this.arm();
  }
}
