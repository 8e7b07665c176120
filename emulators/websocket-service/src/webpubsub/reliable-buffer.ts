/**
 * The messages a reliable client has not acknowledged yet, in sequence order
 * (docs/protocols.md §2: up to 1,000 messages / 16 MiB are kept for recovery).
 */
export class ReliableBuffer {
  private next = 1;
  private readonly frames: { readonly id: number; readonly frame: string | Buffer; readonly bytes: number; readonly expiresAt: number }[] = [];
  private bytes = 0;

  constructor(
    private readonly maxMessages: number,
    private readonly maxBytes: number,
  ) {}

  /** The sequenceId the next message gets (from 1, per connection). */
  nextId(): number {
    return this.next++;
  }

  /** Keeps a numbered frame until acknowledged (or `expiresAt`, a Date.now() deadline); false when the buffer is over either cap. */
  push(frame: string | Buffer, expiresAt = Infinity): boolean {
    const bytes = Buffer.byteLength(frame);
    if (this.frames.length >= this.maxMessages || this.bytes + bytes > this.maxBytes) return false;
    this.frames.push({ id: this.next - 1, frame, bytes, expiresAt });
    this.bytes += bytes;
    return true;
  }

  /** `sequenceAck`: everything up to and including `sequenceId` arrived. */
  ack(sequenceId: number): void {
    let drop = 0;
    while (drop < this.frames.length && (this.frames[drop]?.id ?? Infinity) <= sequenceId) {
      this.bytes -= this.frames[drop]?.bytes ?? 0;
      drop++;
    }
    if (drop > 0) this.frames.splice(0, drop);
  }

  /** What a recovered client gets again: every unacknowledged frame whose TTL has not passed. */
  pending(now = Date.now()): (string | Buffer)[] {
    return this.frames.filter((f) => f.expiresAt > now).map((f) => f.frame);
  }

  get size(): number {
    return this.frames.length;
  }
}
