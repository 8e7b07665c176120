import WebSocket from 'ws';
import { unpackServerFrames } from '@parley/contracts';
import type { Recorder } from './recorder.js';

const PREFIX = 'bench|';

/** The text of a benchmark message: its key and send time, padded to the asked size. */
export function benchText(key: string, sentAt: number, bytes: number): string {
  const head = `${PREFIX}${key}|${sentAt}|`;
  return head + 'x'.repeat(Math.max(0, bytes - head.length));
}

function parseBenchText(text: unknown): { key: string; sentAt: number } | undefined {
  if (typeof text !== 'string' || !text.startsWith(PREFIX)) return undefined;
  const [, key, sentAt] = text.split('|', 3);
  return key && sentAt ? { key, sentAt: Number(sentAt) } : undefined;
}

/**
 * A lean parley.chat.v1 client for load: no frame history, only what the
 * recorder needs. It also understands the baseline's echo (its own `send` frame back).
 */
export class BenchClient {
  recorder: Recorder | undefined;
  /** When the last frame of any kind arrived (0: none yet): the run waits for the connect traffic to settle. */
  lastFrameAt = 0;
  /** Sees every server frame (batches unpacked) before the recorder does: scenarios that count other frames than messages. */
  onEveryFrame: ((frame: Record<string, unknown>) => void) | undefined;
  private readonly acks = new Map<string, (ok: boolean) => void>();
  private readonly frameWaiters = new Set<(frame: Record<string, unknown>) => boolean>();

  private constructor(readonly index: number, private readonly socket: WebSocket) {
    socket.on('message', (data) => this.onFrame(data.toString()));
  }

  static open(index: number, url: string, protocol: string): Promise<BenchClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, [protocol], { perMessageDeflate: false });
      const client = new BenchClient(index, socket);
      socket.once('open', () => resolve(client));
      socket.once('error', reject);
      socket.once('unexpected-response', (_request, response) => reject(new Error(`handshake answered ${response.statusCode}`)));
    });
  }

  private onFrame(text: string): void {
    this.lastFrameAt = Date.now();
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return;
    }
    // A batch frame's frames, in order, each as if it had arrived alone (docs/chat-protocol.md).
    for (const frame of unpackServerFrames(value) as Array<Record<string, unknown>>) this.onServerFrame(frame);
  }

  private onServerFrame(frame: Record<string, unknown>): void {
    this.onEveryFrame?.(frame);
    for (const waiter of this.frameWaiters) if (waiter(frame)) this.frameWaiters.delete(waiter);
    if (frame.type === 'ack' && typeof frame.id === 'string') {
      this.acks.get(frame.id)?.(frame.ok === true);
      this.acks.delete(frame.id);
      return;
    }
    if (frame.type === 'error') {
      this.recorder?.recordError();
      return;
    }
    const bench = parseBenchText(frame.text);
    if (!bench || !this.recorder) return;
    // Pipeline: a `message` with a server id. Baseline echo: our own `send` frame, keyed by its id.
    const serverId = frame.type === 'message' ? String(frame.id) : `echo:${String(frame.id)}`;
    this.recorder.recordDelivery(bench.key, serverId, this.index, bench.sentAt);
  }

  send(frame: Record<string, unknown>): Promise<boolean> {
    const id = String(frame.id);
    return new Promise((resolve) => {
      this.acks.set(id, resolve);
      this.socket.send(JSON.stringify(frame));
    });
  }

  /** Sends without waiting for an ack (the baseline echo has none). */
  fire(frame: Record<string, unknown>): void {
    this.socket.send(JSON.stringify(frame));
  }

  waitForFrame(test: (frame: Record<string, unknown>) => boolean, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.frameWaiters.delete(waiter);
        reject(new Error(`client ${this.index}: frame not seen within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = (frame: Record<string, unknown>) => {
        if (!test(frame)) return false;
        clearTimeout(timer);
        resolve();
        return true;
      };
      this.frameWaiters.add(waiter);
    });
  }

  close(): void {
    this.socket.close(1000);
  }
}

/** Opens clients `concurrency` at a time, so connect storms don't measure themselves. */
export async function openMany(count: number, open: (index: number) => Promise<BenchClient>, concurrency = 25): Promise<BenchClient[]> {
  const clients: BenchClient[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const index = next++;
        clients[index] = await open(index);
      }
    }),
  );
  return clients;
}
