import WebSocket from 'ws';
import { CHAT_SUBPROTOCOL, unpackServerFrames, type ClientFrame, type ServerFrame } from '@parley/contracts';

type Frame = ServerFrame & Record<string, unknown>;

export interface NegotiateAnswer {
  url: string;
  accessToken: string;
  expiresAt: string;
  user: string;
}

/** POST /api/negotiate in development mode. */
export async function negotiate(gatewayUrl: string, name: string): Promise<NegotiateAnswer> {
  const response = await fetch(`${gatewayUrl}/api/negotiate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  if (!response.ok) throw new Error(`negotiate for ${name} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as NegotiateAnswer;
}

/**
 * A real parley.chat.v1 client over a real WebSocket, as the page would be:
 * it records every frame it receives (a batch's frames one by one) and can wait for one.
 */
export class ChatClient {
  readonly frames: Frame[] = [];
  private waiters: Array<{ test: (frame: Frame) => boolean; resolve: (frame: Frame) => void }> = [];
  private closed: Promise<void>;

  private constructor(readonly user: string, private readonly socket: WebSocket) {
    socket.on('message', (data, isBinary) => {
      if (isBinary) return;
      let value: unknown;
      try {
        value = JSON.parse(data.toString());
      } catch {
        return;
      }
      // A batch frame's frames, in order, each as if it had arrived alone (docs/chat-protocol.md).
      for (const frame of unpackServerFrames(value) as Frame[]) this.receive(frame);
    });
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  private receive(frame: Frame): void {
    this.frames.push(frame);
    this.waiters = this.waiters.filter((waiter) => {
      if (!waiter.test(frame)) return true;
      waiter.resolve(frame);
      return false;
    });
  }

  static async connect(gatewayUrl: string, name: string, timeoutMs = 15_000): Promise<ChatClient> {
    const { url } = await negotiate(gatewayUrl, name);
    const socket = new WebSocket(url, [CHAT_SUBPROTOCOL]);
    const client = new ChatClient(name, socket);
    const hello = client.waitFor((frame) => frame.type === 'hello', timeoutMs);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
      socket.once('unexpected-response', (_request, response) => reject(new Error(`handshake answered ${response.statusCode}`)));
    });
    await hello;
    return client;
  }

  get connectionId(): string {
    const hello = this.frames.find((frame) => frame.type === 'hello');
    return String(hello?.connectionId ?? '');
  }

  get isOpen(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  send(frame: ClientFrame): void {
    this.socket.send(JSON.stringify(frame));
  }

  /** Sends a frame and waits for its ack. */
  async request(frame: ClientFrame, timeoutMs = 15_000): Promise<Frame> {
    const ack = this.waitFor((f) => f.type === 'ack' && f.id === frame.id, timeoutMs);
    this.send(frame);
    return ack;
  }

  waitFor(test: (frame: Frame) => boolean, timeoutMs = 15_000, since = 0): Promise<Frame> {
    const seen = this.frames.slice(since).find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter = {
        test,
        resolve: (frame: Frame) => {
          clearTimeout(timer);
          resolve(frame);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`${this.user}: no matching frame within ${timeoutMs} ms; last frames: ${JSON.stringify(this.frames.slice(-5))}`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Chat messages received, de-duplicated by server id as the page does. */
  messages(filter: (frame: Frame) => boolean = () => true): Frame[] {
    const seen = new Set<string>();
    return this.frames.filter((frame) => {
      if (frame.type !== 'message' || !filter(frame) || seen.has(String(frame.id))) return false;
      seen.add(String(frame.id));
      return true;
    });
  }

  /** Every message frame received, duplicates included (to count them). */
  rawMessages(): Frame[] {
    return this.frames.filter((frame) => frame.type === 'message');
  }

  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return;
    this.socket.close(1000);
    await this.closed;
  }
}
