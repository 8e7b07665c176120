import WebSocket from 'ws';
import { CHAT_SUBPROTOCOL, unpackServerFrames, type ClientFrame } from '@parley/contracts';
import { negotiate } from '@parley/stack';

type Frame = Record<string, unknown> & { type: string };

/** Error acks a client retries with the same id: its own pace, or a bus that is down for a moment. */
export const TRANSIENT_CODES: ReadonlySet<string> = new Set(['PARLEY_RATE_LIMITED', 'PARLEY_BUS_UNAVAILABLE']);

/**
 * A client that behaves as the page does under faults: it reconnects with
 * back-off, resends every un-acked frame with the same id after reconnecting
 * (and periodically while connected), and de-duplicates messages by server id.
 */
export class ResilientClient {
  readonly pending = new Map<string, { frame: ClientFrame; sentAt: number }>();
  readonly acked = new Set<string>();
  /** When each frame was first sent and acked (the loss ledger's clock). */
  readonly firstSentAt = new Map<string, number>();
  readonly ackedAt = new Map<string, number>();
  /** Refusals that ended a frame: error acks other than the transient ones, and chat rules' `error` frames. */
  readonly refused = new Map<string, string>();
  /** Transient refusals (resent), by code: figures, not losses. */
  readonly transient = new Map<string, number>();
  /** Messages shown, by server id: a second delivery of the same id is counted, not shown. */
  readonly shown = new Map<string, Frame>();
  /** Every live `message` frame, duplicates included, as `from/clientId` and server id, with when it arrived and where it was sent. */
  readonly deliveries: Array<{ key: string; serverId: string; at: number; stampedAt: number; room?: string; to?: string }> = [];
  /** Who is online as this connection was told: its last `state` frame, then `presence` frames. */
  readonly online = new Set<string>();
  /** Presence frames this socket had before its `state` frame: newer than the snapshot, laid over it. */
  private presenceBeforeState = new Map<string, boolean>();
  /** Each WebSocket connection's lifetime: a member connected throughout a send has one epoch spanning it. */
  readonly epochs: Array<{ from: number; to?: number }> = [];
  redeliveries = 0;
  reconnects = 0;
  /** The epoch (index into `epochs`) whose connection has had its `state` frame: the worker handled its connect. */
  private stateEpoch = -1;
  private socket: WebSocket | undefined;
  private closedByUs = false;
  private resendTimer: NodeJS.Timeout;
  private readonly listeners = new Set<(frame: Frame) => void>();

  constructor(readonly user: string, private readonly gatewayUrl: () => string) {
    this.resendTimer = setInterval(() => this.resendStale(), 1_000);
  }

  async connect(): Promise<void> {
    for (let attempt = 0; !this.closedByUs; attempt++) {
      try {
        await this.open();
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, Math.min(200 * 2 ** attempt, 2_000)));
      }
    }
  }

  private async open(): Promise<void> {
    const { url } = await negotiate(this.gatewayUrl(), this.user);
    const socket = new WebSocket(url, [CHAT_SUBPROTOCOL]);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
      socket.once('unexpected-response', (_request, response) => reject(new Error(`handshake ${response.statusCode}`)));
    });
    this.socket = socket;
    this.presenceBeforeState = new Map();
    // A connection counts from its `state` frame: the worker handled its connect then, so its
    // room memberships are queued ahead of anything sent afterwards (until then it cannot be in a room).
    const epoch: { from: number; to?: number } = { from: Number.POSITIVE_INFINITY };
    this.epochs.push(epoch);
    socket.on('message', (data) => this.onFrame(data.toString()));
    socket.on('error', () => undefined);
    socket.once('close', () => {
      epoch.to = Date.now();
      if (this.closedByUs) return;
      this.reconnects++;
      void this.connect();
    });
    for (const { frame } of this.pending.values()) socket.send(JSON.stringify(frame));
  }

  private onFrame(text: string): void {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return;
    }
    // A batch frame's frames, in order, each as if it had arrived alone (docs/chat-protocol.md).
    for (const frame of unpackServerFrames(value) as Frame[]) this.onServerFrame(frame);
  }

  /**
   * True once this member's connection is back after `since` and its connect was handled (its
   * `state` frame came, so its room memberships were restored before anything sent after now),
   * or when its connection lasted throughout.
   */
  connectedSince(since: number): boolean {
    const current = this.epochs.at(-1);
    if (!current || current.to !== undefined) return false;
    return current.from < since || (this.stateEpoch === this.epochs.length - 1 && current.from !== Number.POSITIVE_INFINITY);
  }

  private onServerFrame(frame: Frame): void {
    if (frame.type === 'state') {
      this.stateEpoch = this.epochs.length - 1;
      const current = this.epochs.at(-1)!;
      if (current.from === Number.POSITIVE_INFINITY) current.from = Date.now();
    }
    if (frame.type === 'ack' && typeof frame.id === 'string' && this.pending.has(frame.id)) {
      if (frame.ok === true) {
        this.pending.delete(frame.id);
        this.acked.add(frame.id);
        this.ackedAt.set(frame.id, Date.now());
      } else {
        const code = String((frame.error as { code?: string } | undefined)?.code);
        // Rate limiting and an unavailable bus are transient: keep it pending, the resend retries it.
        if (TRANSIENT_CODES.has(code)) this.transient.set(code, (this.transient.get(code) ?? 0) + 1);
        else {
          this.pending.delete(frame.id);
          this.refused.set(frame.id, code);
        }
      }
    }
    // A chat rule refused an acked frame.
    if (frame.type === 'error' && typeof frame.id === 'string') this.refused.set(frame.id, String((frame.error as { code?: string } | undefined)?.code));
    if (frame.type === 'message') {
      const id = String(frame.id);
      this.deliveries.push({
        key: `${String(frame.from)}/${String(frame.clientId)}`,
        serverId: id,
        at: Date.now(),
        stampedAt: Date.parse(String(frame.at)),
        ...(typeof frame.room === 'string' ? { room: frame.room } : {}),
        ...(typeof frame.to === 'string' ? { to: frame.to } : {}),
      });
      if (this.shown.has(id)) this.redeliveries++;
      else this.shown.set(id, frame);
    }
    if (frame.type === 'state' && Array.isArray(frame.online)) {
      // The snapshot was read when the worker handled the connect; presence frames travel on
      // another notifier session and may have overtaken it (docs/chat-protocol.md § Connecting).
      this.online.clear();
      for (const user of frame.online as string[]) this.online.add(user);
      for (const [user, isOnline] of this.presenceBeforeState) {
        if (isOnline) this.online.add(user);
        else this.online.delete(user);
      }
    }
    if (frame.type === 'presence' && typeof frame.user === 'string') {
      if (this.stateEpoch !== this.epochs.length - 1) this.presenceBeforeState.set(frame.user, frame.online === true);
      if (frame.online === true) this.online.add(frame.user);
      else this.online.delete(frame.user);
    }
    for (const listener of this.listeners) listener(frame);
  }

  send(frame: ClientFrame): void {
    this.pending.set(frame.id, { frame, sentAt: Date.now() });
    if (!this.firstSentAt.has(frame.id)) this.firstSentAt.set(frame.id, Date.now());
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(frame));
  }

  private resendStale(): void {
    if (this.socket?.readyState !== WebSocket.OPEN) return;
    const now = Date.now();
    for (const entry of this.pending.values()) {
      if (now - entry.sentAt < 2_000) continue;
      entry.sentAt = now;
      this.socket.send(JSON.stringify(entry.frame));
    }
  }

  /** Waits for the next frame that passes `test`. */
  next(test: (frame: Frame) => boolean, timeoutMs = 20_000): Promise<Frame> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.listeners.delete(listener);
        reject(new Error(`${this.user}: frame not seen within ${timeoutMs} ms`));
      }, timeoutMs);
      const listener = (frame: Frame) => {
        if (!test(frame)) return;
        clearTimeout(timer);
        this.listeners.delete(listener);
        resolve(frame);
      };
      this.listeners.add(listener);
    });
  }

  /** Sends a request frame (join, history…) until it is answered, across reconnects. */
  async ask(frame: ClientFrame, answer: (f: Frame) => boolean, timeoutMs = 30_000): Promise<Frame> {
    const waiting = this.next(answer, timeoutMs);
    this.send(frame);
    return waiting;
  }

  close(): void {
    this.closedByUs = true;
    clearInterval(this.resendTimer);
    this.socket?.close(1000);
  }
}
