import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';
import type { Logger } from 'pino';
import type { Limits } from '../config.js';
import { ErrorCodes } from '../errors.js';
import type { HubRegistry } from '../groups.js';
import type { HubConnection, Origin, Payload } from '../hub-connection.js';
import { OrderedTasks } from '../ordered-tasks.js';
import type { UpstreamClient, UpstreamOutcome } from '../upstream/client.js';
import { holdUntilTurnEnds } from './coalesce.js';
import { isBinaryBody } from './endpoints.js';

/** Shared by every connection, so that a connection itself stays a handful of fields. */
export interface ConnectionContext {
  readonly upstream: UpstreamClient;
  readonly registry: HubRegistry<HubConnection>;
  readonly limits: Limits;
  readonly logger: Logger;
  /** Upstream work still running for closed connections (their queued messages and disconnect). */
  readonly draining: Set<Promise<void>>;
}

export interface ConnectionInit {
  readonly id: string;
  readonly hub: string;
  readonly userId: string;
  readonly binary: boolean;
  readonly claims: string | undefined;
  readonly protocol?: string | undefined;
}

const TEXT = { binary: false, compress: false, fin: true } as const;
const BINARY = { binary: true, compress: false, fin: true } as const;
/** After a close frame, how long a peer gets to answer before its socket is destroyed. */
const CLOSE_GRACE_MS = 2_000;

/**
 * One established client connection: frames go to the upstream one at a
 * time in arrival order (so replies come back in order too), and frames to
 * the client go through a capped send buffer.
 */
export class ClientConnection implements HubConnection {
  readonly face = 'seed';
  readonly id: string;
  readonly protocol: string | undefined;
  readonly hub: string;
  readonly userId: string;
  readonly binary: boolean;
  readonly claims: string | undefined;
  groups: Set<string> | undefined;
  /** Cleared by each keep-alive ping; set by a pong or any frame. */
  alive = true;
  private closed = false;
  private readonly tasks = new OrderedTasks((error) => this.ctx.logger.error({ connectionId: this.id, err: error.message }, 'upstream task failed'));
  private killTimer: NodeJS.Timeout | undefined;
  /** Computed on the first frame; idle connections never pay for it. */
  private signature: string | undefined;

  constructor(
    private readonly ctx: ConnectionContext,
    private readonly ws: WebSocket,
    /** The socket under `ws`, kept to coalesce writes. */
    private readonly socket: Duplex,
    init: ConnectionInit,
  ) {
    this.id = init.id;
    this.hub = init.hub;
    this.userId = init.userId;
    this.binary = init.binary;
    this.claims = init.claims;
    this.protocol = init.protocol;
    ws.on('message', (data, isBinary) => this.onFrame(data as Buffer, isBinary));
    ws.on('close', (code) => this.onClose(code));
    ws.on('pong', () => (this.alive = true));
    // ws closes the socket itself after an error (1009 for a too-large frame, 1007 for bad UTF-8).
    ws.on('error', (error) => ctx.logger.debug({ connectionId: this.id, err: error.message }, 'client socket error'));
  }

  get isOpen(): boolean {
    return !this.closed && this.ws.readyState === WebSocket.OPEN;
  }

  /** Queues a frame to the client; a client whose buffer is over the cap is closed (1008) instead. */
  send(data: Buffer, binary: boolean): boolean {
    const ws = this.ws;
    if (ws.readyState !== WebSocket.OPEN) return false;
    const buffered = ws.bufferedAmount;
    if (buffered > 0 && buffered + data.length > this.ctx.limits.sendBufferBytes) {
      this.ctx.logger.warn(
        { code: ErrorCodes.sendBufferFull, connectionId: this.id, hub: this.hub, buffered },
        'client reads too slowly; closing it',
      );
      this.close(1008, 'send buffer full');
      return false;
    }
    holdUntilTurnEnds(this.socket);
    ws.send(data, binary ? BINARY : TEXT);
    return true;
  }

  /** A REST send: raw frame; no or another content type follows the connection's format. The origin is not told in this dialect. */
  deliver(payload: Payload, _origin: Origin): boolean {
    return this.send(payload.data, payload.kind === undefined ? this.binary : payload.kind === 'binary' || payload.kind === 'protobuf');
  }

  /** Sends a close frame, and destroys the socket if the peer does not answer in time. */
  close(code: number, reason: string): void {
    if (this.ws.readyState === WebSocket.CLOSED || this.killTimer) return;
    this.ws.close(code, truncateReason(reason));
    this.killTimer = setTimeout(() => this.ws.terminate(), CLOSE_GRACE_MS);
  }

  terminate(): void {
    this.ws.terminate();
  }

  ping(): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.ping();
  }

  private onFrame(data: Buffer, isBinary: boolean): void {
    this.alive = true;
    if (this.tasks.size + 1 >= this.ctx.limits.maxPendingFrames && !this.ws.isPaused) this.ws.pause();
    this.enqueue(() => this.forward(data, isBinary));
  }

  private async forward(data: Buffer, isBinary: boolean): Promise<void> {
    const outcome = await this.ctx.upstream.call({
      event: 'message',
      hub: this.hub,
      connectionId: this.id,
      userId: this.userId,
      claims: this.claims,
      body: data,
      binary: isBinary,
      signature: (this.signature ??= this.ctx.upstream.signature(this.id)),
    });
    if (this.ws.isPaused && this.tasks.size <= this.ctx.limits.maxPendingFrames / 2 && this.ws.readyState === WebSocket.OPEN) {
      this.ws.resume();
    }
    if (outcome.kind === 'answer' && outcome.answer.status >= 200 && outcome.answer.status < 300) {
      if (outcome.answer.body.length > 0) this.send(outcome.answer.body, isBinaryBody(outcome.answer.headers['content-type'], this.binary));
      return;
    }
    this.logFailure('message', outcome);
  }

  private onClose(code: number): void {
    if (this.closed) return;
    this.closed = true;
    if (this.killTimer) clearTimeout(this.killTimer);
    this.ctx.registry.remove(this.hub, this);
    this.ctx.logger.debug({ connectionId: this.id, hub: this.hub, code }, 'client disconnected');
    // Behind any frames still on their way, so the upstream sees disconnect last.
    this.enqueue(async () => {
      const outcome = await this.ctx.upstream.call({
        event: 'disconnect',
        hub: this.hub,
        connectionId: this.id,
        userId: this.userId,
        claims: this.claims,
      });
      if (outcome.kind !== 'answer' || outcome.answer.status >= 300) this.logFailure('disconnect', outcome);
    });
    this.tasks.drainInto(this.ctx.draining);
  }

  private enqueue(task: () => Promise<void>): void {
    this.tasks.add(task);
  }

  private logFailure(event: string, outcome: UpstreamOutcome): void {
    const base = { connectionId: this.id, hub: this.hub, event };
    if (outcome.kind === 'no-template') {
      this.ctx.logger.warn({ ...base, code: ErrorCodes.upstreamNoTemplate }, 'no upstream template matches; frame dropped');
    } else if (outcome.kind === 'failed') {
      this.ctx.logger.warn({ ...base, code: ErrorCodes.upstreamUnavailable, url: outcome.url, reason: outcome.reason }, 'upstream call failed');
    } else {
      this.ctx.logger.warn(
        { ...base, code: ErrorCodes.upstreamRejected, url: outcome.url, status: outcome.answer.status },
        'upstream answered with an error; nothing delivered',
      );
    }
  }
}

/** A close reason is at most 123 bytes of UTF-8; cut on a character boundary. */
export function truncateReason(reason: string): string {
  if (Buffer.byteLength(reason) <= 123) return reason;
  let out = '';
  for (const ch of reason) {
    if (Buffer.byteLength(out + ch) > 123) break;
    out += ch;
  }
  return out;
}
