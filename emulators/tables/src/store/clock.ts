/**
 * Write times with the service's 100 ns resolution, strictly increasing within
 * a process so that every write gets a new etag even within one millisecond.
 */
export class WriteClock {
  private lastTicks = 0n;

  constructor(private readonly now: () => number = Date.now) {}

  /** The next write time as a normalised DateTime string (7 fractional digits). */
  next(): string {
    const ticks = BigInt(this.now()) * 10_000n;
    this.lastTicks = ticks > this.lastTicks ? ticks : this.lastTicks + 1n;
    const ms = Number(this.lastTicks / 10_000n);
    const sub = Number(this.lastTicks % 10_000n);
    const iso = new Date(ms).toISOString();
    return `${iso.slice(0, 23)}${String(sub).padStart(4, '0')}Z`;
  }

  /** Never go back behind a write time already stored (after a restart with a slower clock). */
  observe(ts: string): void {
    const ms = Date.parse(ts);
    if (Number.isNaN(ms)) return;
    const ticks = BigInt(ms) * 10_000n + BigInt(ts.slice(23, 27) || '0');
    if (ticks > this.lastTicks) this.lastTicks = ticks;
  }
}
