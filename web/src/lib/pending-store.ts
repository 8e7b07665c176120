import type { ClientFrame } from '@parley/contracts';

/**
 * Frames sent but not yet acknowledged, in the order they were sent. After a
 * reconnect they are resent with the same ids; the backend keeps each
 * (user, id) once, so a frame that did arrive before the drop is not doubled.
 */
export class PendingStore {
  readonly #frames = new Map<string, ClientFrame>();

  add(frame: ClientFrame): void {
    // Re-adding keeps the original position: resends must not reorder.
    if (!this.#frames.has(frame.id)) this.#frames.set(frame.id, frame);
  }

  /** Removes the frame; returns it if it was pending. */
  settle(id: string): ClientFrame | undefined {
    const frame = this.#frames.get(id);
    this.#frames.delete(id);
    return frame;
  }

  has(id: string): boolean {
    return this.#frames.has(id);
  }

  /** Pending frames, oldest first. */
  list(): ClientFrame[] {
    return [...this.#frames.values()];
  }

  get size(): number {
    return this.#frames.size;
  }
}
