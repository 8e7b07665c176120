import type { ClientFrame, ServerFrame } from '@parley/contracts';
import { backoffDelay, defaultBackoff, type BackoffOptions } from './backoff.js';
import { WebError, WebErrorCodes } from './errors.js';
import type { Negotiated } from './negotiate.js';
import { PendingStore } from './pending-store.js';
import { parseServerFrames } from './server-frames.js';

export const SUBPROTOCOL = 'parley.chat.v1';
const OPEN = 1;
/** ErrorCodes.tooManyConnections of the contracts (the page imports their types only). */
const TOO_MANY_CONNECTIONS = 'PARLEY_TOO_MANY_CONNECTIONS';

/** The part of the browser WebSocket this module uses (so tests can pass another). */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
}

export type ConnectionStatus =
  | { readonly kind: 'connecting'; readonly attempt: number }
  | { readonly kind: 'open' }
  | { readonly kind: 'waiting'; readonly retryInMs: number; readonly attempt: number; readonly reason: string }
  | { readonly kind: 'stopped'; readonly error?: { readonly code: string; readonly message: string } };

export interface ConnectionHandlers {
  onFrame(frame: ServerFrame): void;
  onStatus(status: ConnectionStatus): void;
  /** Each time a socket opens, after un-acked frames were resent. */
  onOpen?(reconnect: boolean): void;
  /** An ack for a frame that was pending (the frame is handed back). */
  onSettled?(frame: ClientFrame): void;
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface ConnectionDeps {
  negotiate(): Promise<Negotiated>;
  createSocket(url: string, protocol: string): SocketLike;
  timers?: Timers;
  random?: () => number;
  backoff?: BackoffOptions;
  now?: () => number;
  /** A frame not acked this long on an open socket is written again (same id). */
  ackTimeoutMs?: number;
}

export const DEFAULT_ACK_TIMEOUT_MS = 10_000;

const browserTimers: Timers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * One logical chat connection over a series of WebSockets: negotiates, opens,
 * reconnects with back-off and jitter, and resends un-acked frames in order.
 * Knows nothing about chat state; the caller reduces the frames.
 */
export class ChatConnection {
  readonly #deps: ConnectionDeps;
  readonly #handlers: ConnectionHandlers;
  readonly #timers: Timers;
  readonly #pending = new PendingStore();
  #socket: SocketLike | undefined;
  #generation = 0;
  #attempt = 0;
  #everOpened = false;
  #stopped = true;
  #retryTimer: unknown;
  #ackTimer: unknown;
  /** When each pending frame was last written to a socket. */
  readonly #writtenAt = new Map<string, number>();

  constructor(deps: ConnectionDeps, handlers: ConnectionHandlers) {
    this.#deps = deps;
    this.#handlers = handlers;
    this.#timers = deps.timers ?? browserTimers;
  }

  get isOpen(): boolean {
    return this.#socket?.readyState === OPEN;
  }

  /** Ids of frames that wait for their ack. */
  pendingIds(): string[] {
    return this.#pending.list().map((f) => f.id);
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    void this.#connect();
  }

  stop(): void {
    this.#stopped = true;
    this.#generation++;
    this.#timers.clearTimeout(this.#retryTimer);
    this.#timers.clearTimeout(this.#ackTimer);
    this.#ackTimer = undefined;
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket) detach(socket).close(1000, 'bye');
    this.#handlers.onStatus({ kind: 'stopped' });
  }

  /** Skips the remaining back-off wait (e.g. the browser came back online). */
  retryNow(): void {
    if (this.#stopped || this.#socket) return;
    this.#timers.clearTimeout(this.#retryTimer);
    void this.#connect();
  }

  /**
   * Sends a frame. Durable frames (send, join, leave, invite) are kept until
   * acked and resent after a reconnect; others (history) are sent only when a
   * socket is open. Returns whether the frame went out now.
   */
  send(frame: ClientFrame, durable = frame.type !== 'history'): boolean {
    if (durable) this.#pending.add(frame);
    if (!this.isOpen || !this.#socket) return false;
    this.#write(this.#socket, frame);
    return true;
  }

  #write(socket: SocketLike, frame: ClientFrame): void {
    socket.send(JSON.stringify(frame));
    if (!this.#pending.has(frame.id)) return;
    this.#writtenAt.set(frame.id, (this.#deps.now ?? Date.now)());
    this.#armAckTimer();
  }

  /**
   * The service drops a frame whose upstream call failed and keeps the socket
   * open, so a lost ack does not always come with a close: frames left
   * unacknowledged too long are written again with the same id (the backend
   * keeps each id once).
   */
  #armAckTimer(): void {
    if (this.#ackTimer !== undefined) return;
    const timeout = this.#deps.ackTimeoutMs ?? DEFAULT_ACK_TIMEOUT_MS;
    this.#ackTimer = this.#timers.setTimeout(() => {
      this.#ackTimer = undefined;
      const socket = this.#socket;
      if (!socket || !this.isOpen || this.#pending.size === 0) return;
      const now = (this.#deps.now ?? Date.now)();
      for (const frame of this.#pending.list()) {
        if (now - (this.#writtenAt.get(frame.id) ?? 0) >= timeout) this.#write(socket, frame);
      }
      this.#armAckTimer();
    }, timeout / 2);
  }

  async #connect(): Promise<void> {
    const generation = ++this.#generation;
    this.#handlers.onStatus({ kind: 'connecting', attempt: this.#attempt });
    let negotiated: Negotiated;
    try {
      negotiated = await this.#deps.negotiate();
    } catch (error) {
      if (generation !== this.#generation) return;
      if (error instanceof WebError && !error.retryable) {
        this.#stopped = true;
        this.#handlers.onStatus({ kind: 'stopped', error: { code: error.code, message: error.message } });
        return;
      }
      this.#scheduleRetry(error instanceof Error ? error.message : String(error));
      return;
    }
    if (generation !== this.#generation) return;
    let socket: SocketLike;
    try {
      socket = this.#deps.createSocket(negotiated.url, SUBPROTOCOL);
    } catch (error) {
      this.#scheduleRetry(`cannot open the WebSocket: ${String(error)}`);
      return;
    }
    this.#socket = socket;
    socket.onopen = () => {
      if (generation !== this.#generation) return;
      const reconnect = this.#everOpened;
      this.#everOpened = true;
      this.#attempt = 0;
      for (const frame of this.#pending.list()) this.#write(socket, frame);
      this.#handlers.onStatus({ kind: 'open' });
      this.#handlers.onOpen?.(reconnect);
    };
    socket.onmessage = (event) => {
      if (generation !== this.#generation) return;
      const frames = parseServerFrames(event.data);
      if (!frames) {
        console.warn(WebErrorCodes.frameUnreadable, 'dropped an unreadable frame');
        return;
      }
      // A batch's frames in order, each as if it had arrived alone.
      for (const frame of frames) {
        if (generation !== this.#generation) return;
        this.#receive(frame);
      }
    };
    socket.onerror = () => {
      // A close event always follows; the retry is decided there.
    };
    socket.onclose = (event) => {
      if (generation !== this.#generation) return;
      this.#socket = undefined;
      detach(socket);
      // The close alone says it too, should the error frame before it have been lost.
      if (event.reason.startsWith(`${TOO_MANY_CONNECTIONS}:`)) {
        this.#refused({ code: TOO_MANY_CONNECTIONS, message: event.reason.slice(TOO_MANY_CONNECTIONS.length + 1).trim() });
        return;
      }
      this.#scheduleRetry(event.reason || `connection closed (${event.code})`);
    };
  }

  /** One server frame: an ack settles its pending frame; a refused connection stops. */
  #receive(frame: ServerFrame): void {
    if (frame.type === 'ack') {
      const settled = this.#pending.settle(frame.id);
      this.#writtenAt.delete(frame.id);
      if (settled) this.#handlers.onSettled?.(settled);
    }
    this.#handlers.onFrame(frame);
    if (frame.type === 'error' && frame.error.code === TOO_MANY_CONNECTIONS) this.#refused(frame.error);
  }

  /**
   * The server refused this connection: the user already has as many open as allowed. Reconnecting
   * would only be refused again (and take a place another tab may need): stop, and say why.
   */
  #refused(error: { readonly code: string; readonly message: string }): void {
    this.stop();
    this.#handlers.onStatus({ kind: 'stopped', error: { code: error.code, message: error.message } });
  }

  #scheduleRetry(reason: string): void {
    if (this.#stopped) return;
    const attempt = this.#attempt++;
    const delay = backoffDelay(attempt, this.#deps.random ?? Math.random, this.#deps.backoff ?? defaultBackoff);
    this.#handlers.onStatus({ kind: 'waiting', retryInMs: delay, attempt, reason });
    this.#timers.clearTimeout(this.#retryTimer);
    this.#retryTimer = this.#timers.setTimeout(() => void this.#connect(), delay);
  }
}

function detach(socket: SocketLike): SocketLike {
  socket.onopen = null;
  socket.onmessage = null;
  socket.onerror = null;
  socket.onclose = null;
  return socket;
}
