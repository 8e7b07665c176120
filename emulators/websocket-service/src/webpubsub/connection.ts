import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocket } from 'ws';
import { holdUntilTurnEnds } from '../client/coalesce.js';
import { truncateReason } from '../client/connection.js';
import type { Limits } from '../config.js';
import { ErrorCodes } from '../errors.js';
import type { HubRegistry } from '../groups.js';
import type { HubConnection, Origin, Payload } from '../hub-connection.js';
import { OrderedTasks } from '../ordered-tasks.js';
import type { EventClient, EventOutcome } from './event-client.js';
import { handleClientMessage } from './client-session.js';
import type { Codec, Frame } from './codec.js';
import { ReliableBuffer } from './reliable-buffer.js';

export interface WpsContext {
  readonly registry: HubRegistry<HubConnection>;
  readonly events: EventClient;
  readonly limits: Limits;
  readonly logger: Logger;
  /** Event handler work still running for ended connections, awaited by shutdown. */
  readonly draining: Set<Promise<void>>;
  /** How long a dropped reliable connection waits to be recovered. */
  readonly recoveryWindowMs: number;
  readonly maxBufferedMessages: number;
}

/** simple: no subprotocol; pubsub: json/protobuf.webpubsub.azure.v1; reliable: their .reliable. forms. */
export type ClientKind = 'simple' | 'pubsub' | 'reliable';

export interface WpsInit {
  readonly id: string;
  readonly hub: string;
  readonly userId: string | undefined;
  readonly protocol: string | undefined;
  readonly kind: ClientKind;
  /** The framing of a pubsub or reliable client (JSON or protobuf); undefined for a simple one. */
  readonly codec: Codec | undefined;
  readonly roles: readonly string[];
  readonly connectionState: string | undefined;
  readonly signature: string;
  readonly reconnectionToken: string | undefined;
}

const TEXT = { binary: false, compress: false, fin: true } as const;
const BINARY = { binary: true, compress: false, fin: true } as const;
const CLOSE_GRACE_MS = 2_000;
/** What a user event's body is labelled for the handler (protobuf: a google.protobuf.Any, as the service labels it). */
const CONTENT_TYPES = { binary: 'application/octet-stream', json: 'application/json', protobuf: 'application/x-protobuf', text: 'text/plain; charset=utf-8' } as const;
const MAX_ACK_IDS = 10_000;

/**
 * One Web PubSub client connection (docs/protocols.md §2). A reliable one
 * outlives its socket for the recovery window: it stays in the registry,
 * keeps its groups and buffers what is sent to it until a new socket takes
 * it over (recover) or the window passes (then it ends: disconnected event).
 */
export class WpsConnection implements HubConnection {
  readonly face = 'webpubsub';
  readonly id: string;
  readonly hub: string;
  readonly userId: string | undefined;
  readonly protocol: string | undefined;
  readonly kind: ClientKind;
  readonly codec: Codec | undefined;
  readonly roles: Set<string>;
  readonly signature: string;
  readonly reconnectionToken: string | undefined;
  groups: Set<string> | undefined;
  alive = true;
  connectionState: string | undefined;
  /** ackIds already used, for `Duplicate`; the oldest are forgotten past MAX_ACK_IDS. Allocated on first use. */
  private ackIds: Set<number> | undefined;
  private ws: WebSocket | undefined;
  private socket: Duplex | undefined;
  private ended = false;
  /** Set when the service closes the connection: no recovery then. */
  private closedByService: string | undefined;
  private killTimer: NodeJS.Timeout | undefined;
  private detachTimer: NodeJS.Timeout | undefined;
  private readonly tasks = new OrderedTasks((error) => this.ctx.logger.error({ connectionId: this.id, err: error.message }, 'event handler task failed'));
  private readonly buffer: ReliableBuffer | undefined;

  constructor(readonly ctx: WpsContext, init: WpsInit) {
    this.id = init.id;
    this.hub = init.hub;
    this.userId = init.userId;
    this.protocol = init.protocol;
    this.kind = init.kind;
    this.codec = init.codec;
    this.roles = new Set(init.roles);
    this.connectionState = init.connectionState;
    this.signature = init.signature;
    this.reconnectionToken = init.reconnectionToken;
    this.buffer = init.kind === 'reliable' ? new ReliableBuffer(ctx.maxBufferedMessages, 16 * 1024 * 1024) : undefined;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  get isDetached(): boolean {
    return !this.ended && this.ws === undefined;
  }

  /** Takes a socket: the first one, or the one a recovery brought (then the unacknowledged messages follow). */
  attach(ws: WebSocket, socket: Duplex): void {
    const previous = this.ws;
    this.ws = ws;
    this.socket = socket;
    this.alive = true;
    if (this.detachTimer) clearTimeout(this.detachTimer);
    this.detachTimer = undefined;
    previous?.terminate();
    ws.on('message', (data, isBinary) => {
      if (this.ws === ws) this.onFrame(data as Buffer, isBinary);
    });
    ws.on('close', (code) => {
      if (this.ws === ws) this.onSocketClose(code);
    });
    ws.on('pong', () => (this.alive = true));
    ws.on('error', (error) => this.ctx.logger.debug({ connectionId: this.id, err: error.message }, 'client socket error'));
    for (const frame of this.buffer?.pending() ?? []) this.write(frame, this.codec?.binaryFrames ?? false);
  }

  deliver(payload: Payload, origin: Origin): boolean {
    if (this.ended) return false;
    const codec = this.codec;
    if (!codec) return this.write(payload.data, payload.kind === 'binary' || payload.kind === 'protobuf');
    if (!this.buffer) return this.write(codec.message(payload, origin), codec.binaryFrames);
    const numbered = codec.message(payload, origin, this.buffer.nextId());
    if (!this.buffer.push(numbered, payload.expiresAt)) {
      this.ctx.logger.warn({ code: ErrorCodes.sendBufferFull, connectionId: this.id, hub: this.hub }, 'reliable buffer full; ending the connection');
      this.end('too many unacknowledged messages', 1008);
      return false;
    }
    return this.ws ? this.write(numbered, codec.binaryFrames) : true;
  }

  /** A frame of the protocol itself (ack, pong, system): never numbered, never buffered. */
  sendControl(frame: Frame): void {
    this.write(frame, this.codec?.binaryFrames ?? false);
  }

  acknowledge(sequenceId: number): void {
    this.buffer?.ack(sequenceId);
  }

  /** Closed by the service (REST, shutdown, slow reader): JSON clients hear why first; no recovery. */
  close(code: number, reason: string): void {
    this.closedByService = reason;
    const ws = this.ws;
    if (!ws) return this.end(reason);
    if (ws.readyState === WebSocket.CLOSED || this.killTimer) return;
    if (this.codec && ws.readyState === WebSocket.OPEN) ws.send(this.codec.disconnected(reason), this.codec.binaryFrames ? BINARY : TEXT);
    ws.close(code, truncateReason(reason));
    this.killTimer = setTimeout(() => ws.terminate(), CLOSE_GRACE_MS);
  }

  terminate(): void {
    this.ws?.terminate();
  }

  ping(): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.ping();
    else this.alive = true;
  }

  /** Runs event handler work one at a time in arrival order, so answers and acks come back in order. */
  enqueue(task: () => Promise<void>): void {
    this.tasks.add(task);
  }

  /** A user event to the handler; `message` for simple clients. */
  userEvent(event: string, payload: Payload): Promise<EventOutcome> {
    const contentType = CONTENT_TYPES[payload.kind ?? 'text'];
    return this.ctx.events.call({ ...this.callBase(), event: { user: event }, contentType, body: payload.data });
  }

  /** Keeps the `ce-connectionState` an answer set, for the following events. */
  keepState(headers: Record<string, string | string[] | undefined>): void {
    const state = headers['ce-connectionstate'];
    if (typeof state === 'string') this.connectionState = state;
  }

  /** The non-blocking `connected` event, queued ahead of any frame. */
  fireConnected(): void {
    if (!this.ctx.events.handles(this.hub, { system: 'connected' })) return;
    this.enqueue(async () => {
      const outcome = await this.ctx.events.call({ ...this.callBase(), event: { system: 'connected' }, contentType: 'application/json', body: '{}' });
      this.logIfFailed('connected', outcome);
    });
  }

  private callBase() {
    return { hub: this.hub, connectionId: this.id, userId: this.userId, subprotocol: this.protocol, connectionState: this.connectionState, signature: this.signature };
  }

  private write(data: Buffer | string, binary: boolean): boolean {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN || !this.socket) return false;
    const buffered = ws.bufferedAmount;
    const size = typeof data === 'string' ? Buffer.byteLength(data) : data.length;
    if (buffered > 0 && buffered + size > this.ctx.limits.sendBufferBytes) {
      this.ctx.logger.warn({ code: ErrorCodes.sendBufferFull, connectionId: this.id, hub: this.hub, buffered }, 'client reads too slowly; closing it');
      this.close(1008, 'send buffer full');
      return false;
    }
    holdUntilTurnEnds(this.socket);
    ws.send(data, binary ? BINARY : TEXT);
    return true;
  }

  private onFrame(data: Buffer, isBinary: boolean): void {
    this.alive = true;
    if (this.kind === 'simple') {
      const payload: Payload = { data, kind: isBinary ? 'binary' : 'text' };
      this.enqueue(async () => {
        const outcome = await this.userEvent('message', payload);
        if (outcome.kind === 'no-handler') return;
        if (outcome.kind === 'answer' && outcome.answer.status >= 200 && outcome.answer.status < 300) {
          this.keepState(outcome.answer.headers);
          const type = String(outcome.answer.headers['content-type'] ?? '');
          if (outcome.answer.body.length > 0) this.write(outcome.answer.body, type.startsWith('application/octet-stream'));
          return;
        }
        this.logIfFailed('message', outcome);
        // The service drops a simple client whose message the handler refused.
        this.close(1011, 'the event handler refused the message');
      });
      return;
    }
    handleClientMessage(this, data, isBinary);
  }

  private onSocketClose(code: number): void {
    if (this.killTimer) clearTimeout(this.killTimer);
    this.killTimer = undefined;
    this.ws = undefined;
    this.socket = undefined;
    // A reliable client whose socket dropped without a close frame (1006) may come back; one that sent a close frame meant it.
    if (this.buffer && this.closedByService === undefined && !this.ended && code === 1006) {
      this.ctx.logger.debug({ connectionId: this.id, hub: this.hub, code }, 'reliable client dropped; waiting for recovery');
      this.detachTimer = setTimeout(() => this.end('the connection was not recovered in time'), this.ctx.recoveryWindowMs);
      this.detachTimer.unref();
      return;
    }
    this.end(this.closedByService ?? (code === 1006 ? 'the connection dropped' : `the client closed the connection (${code})`));
  }

  /** The logical connection is over: out of the registry, then one disconnected event behind its queued work. */
  end(reason: string, closeCode?: number): void {
    if (this.ended) return;
    this.ended = true;
    if (this.detachTimer) clearTimeout(this.detachTimer);
    if (closeCode !== undefined && this.ws) {
      this.ws.close(closeCode, truncateReason(reason));
      const ws = this.ws;
      setTimeout(() => ws.terminate(), CLOSE_GRACE_MS).unref();
    }
    this.ctx.registry.remove(this.hub, this);
    this.ctx.logger.debug({ connectionId: this.id, hub: this.hub, reason }, 'client disconnected');
    if (this.ctx.events.handles(this.hub, { system: 'disconnected' })) {
      this.enqueue(async () => {
        const body = JSON.stringify({ reason });
        const outcome = await this.ctx.events.call({ ...this.callBase(), event: { system: 'disconnected' }, contentType: 'application/json', body });
        this.logIfFailed('disconnected', outcome);
      });
    }
    this.tasks.drainInto(this.ctx.draining);
  }

  rememberAck(ackId: number): boolean {
    const seen = (this.ackIds ??= new Set());
    if (seen.has(ackId)) return false;
    if (seen.size >= MAX_ACK_IDS) seen.delete(seen.values().next().value as number);
    seen.add(ackId);
    return true;
  }

  logIfFailed(event: string, outcome: EventOutcome): void {
    if (outcome.kind === 'no-handler' || (outcome.kind === 'answer' && outcome.answer.status < 300)) return;
    const base = { connectionId: this.id, hub: this.hub, event, code: ErrorCodes.eventHandlerFailed };
    if (outcome.kind === 'failed') this.ctx.logger.warn({ ...base, url: outcome.url, reason: outcome.reason }, 'event handler call failed');
    else this.ctx.logger.warn({ ...base, url: outcome.url, status: outcome.answer.status }, 'event handler answered with an error');
  }
}
