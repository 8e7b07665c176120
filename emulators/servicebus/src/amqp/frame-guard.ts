/**
 * Watches the raw byte stream of one connection for frame sizes the broker
 * never agreed to. rhea would otherwise wait for (and buffer) a frame of any
 * announced size, up to 4 GiB, from a broken or hostile client.
 */
export class FrameGuard {
  private header = 8;
  private skip = 0;
  private pending = Buffer.alloc(0);

  constructor(private readonly maxFrameSize: number) {}

  /** Returns false as soon as the stream announces an oversize frame. */
  accept(chunk: Buffer): boolean {
    let data = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = Buffer.alloc(0);
    while (data.length > 0) {
      if (this.header > 0) {
        const n = Math.min(this.header, data.length);
        this.header -= n;
        data = data.subarray(n);
        continue;
      }
      if (this.skip > 0) {
        const n = Math.min(this.skip, data.length);
        this.skip -= n;
        data = data.subarray(n);
        continue;
      }
      if (data.length < 4) {
        this.pending = Buffer.from(data);
        return true;
      }
      // After SASL the client sends a new protocol header: "AMQP" + 4 bytes.
      if (data.readUInt32BE(0) === 0x414d5150) {
        this.header = 8;
        continue;
      }
      const size = data.readUInt32BE(0);
      if (size < 8 || size > this.maxFrameSize) return false;
      this.skip = size;
    }
    return true;
  }
}
