/**
 * Web PubSub cannot carry a first frame in its `connect` answer, so the
 * gateway sends `hello` through the REST API once the `connected` event says
 * the socket is open. `chat.connected` (posted at connect, like the seed path)
 * waits at this gate, so the worker's first frames (`state`) follow the hello.
 * The gate also opens on `disconnected` and after `timeoutMs`, so a handshake
 * that never completed cannot hold the connection's lane.
 */
export class HelloGate {
  private readonly waiting = new Map<string, () => void>();

  constructor(private readonly timeoutMs = 5_000) {}

  /** A promise that settles when the connection's hello went out (or the gate gave up). */
  wait(connectionId: string): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(open, this.timeoutMs);
      timer.unref?.();
      const waiting = this.waiting;
      function open() {
        clearTimeout(timer);
        if (waiting.get(connectionId) === open) waiting.delete(connectionId);
        resolve();
      }
      this.waiting.get(connectionId)?.();
      this.waiting.set(connectionId, open);
    });
  }

  open(connectionId: string): void {
    this.waiting.get(connectionId)?.();
  }

  get size(): number {
    return this.waiting.size;
  }
}
