import { randomBytes } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocketServer } from 'ws';
import { ErrorCodes, type ErrorCode } from '../errors.js';
import { keepUntilSettled } from '../ordered-tasks.js';
import type { UpstreamAnswer } from '../upstream/client.js';
import { ClientConnection, type ConnectionContext } from './connection.js';
import { isBinaryBody, parseClientUrl } from './endpoints.js';

export interface HandshakeDeps extends ConnectionContext {
  readonly wss: WebSocketServer;
  /** True once shutdown began: new clients are refused with 503. */
  readonly closing: () => boolean;
  /** Handshakes waiting for the connect upstream call, awaited by shutdown. */
  readonly pending: Set<Promise<void>>;
  /** The Web PubSub face's handshake, for paths under /client. */
  readonly webPubSub?: (req: IncomingMessage, socket: Duplex, head: Buffer) => Promise<void>;
}

const KEY = /^[+/0-9A-Za-z]{22}==$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** 16 random bytes as base64url: 22 URL-safe characters. */
export function newConnectionId(): string {
  return randomBytes(16).toString('base64url');
}

/** The subprotocol each request had selected by its connect call, read by ws's handleProtocols hook. */
export const selectedProtocols = new WeakMap<IncomingMessage, string>();

export function handleProtocols(_offered: Set<string>, req: IncomingMessage): string | false {
  return selectedProtocols.get(req) ?? false;
}

/** The `upgrade` listener: the blocking connect call decides the handshake. */
export function createUpgradeHandler(deps: HandshakeDeps) {
  return (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const wps = deps.webPubSub && (path === '/client' || path.startsWith('/client/'));
    const done = (wps && deps.webPubSub ? deps.webPubSub(req, socket, head) : handshake(deps, req, socket, head)).catch((error: unknown) => {
      deps.logger.error({ err: (error as Error).message }, 'handshake failed unexpectedly');
      refuse(socket, 500, ErrorCodes.upstreamUnavailable, 'internal error');
    });
    deps.pending.add(done);
    void done.finally(() => deps.pending.delete(done));
  };
}

async function handshake(deps: HandshakeDeps, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
  const invalid = invalidUpgrade(req);
  if (invalid) return refuse(socket, invalid === 'method' ? 405 : 400, ErrorCodes.badRequest, `invalid WebSocket handshake: ${invalid}`);
  const target = parseClientUrl(req.url ?? '/');
  if ('status' in target) return refuse(socket, target.status, ErrorCodes.badRequest, target.message);
  if (deps.closing()) return refuse(socket, 503, ErrorCodes.upstreamUnavailable, 'the service is shutting down');

  const id = newConnectionId();
  const offered = header(req.headers['sec-websocket-protocol']);
  let gone = false;
  socket.once('close', () => (gone = true));
  const outcome = await deps.upstream.call({ event: 'connect', hub: target.hub, connectionId: id, clientQuery: target.query, subprotocols: offered });
  const log = { connectionId: id, hub: target.hub };

  if (outcome.kind === 'no-template') {
    deps.logger.warn({ ...log, code: ErrorCodes.upstreamNoTemplate }, 'no upstream template matches connect; refused');
    return refuse(socket, 503, ErrorCodes.upstreamNoTemplate, 'no upstream is configured for connect');
  }
  if (outcome.kind === 'failed') {
    deps.logger.warn({ ...log, code: ErrorCodes.upstreamUnavailable, url: outcome.url, reason: outcome.reason }, 'connect upstream failed; refused');
    return refuse(socket, 503, ErrorCodes.upstreamUnavailable, `upstream unavailable: ${outcome.reason}`);
  }
  const answer = outcome.answer;
  if (answer.status >= 400 && answer.status < 500) {
    deps.logger.info({ ...log, status: answer.status }, 'connect refused by the upstream');
    return passThrough(socket, answer);
  }
  if (answer.status < 200 || answer.status >= 300) {
    deps.logger.warn({ ...log, code: ErrorCodes.upstreamRejected, status: answer.status }, 'connect upstream answered with an error; refused');
    return refuse(socket, 503, ErrorCodes.upstreamRejected, `upstream answered ${answer.status}`);
  }

  // From here on the upstream has accepted the connection, so it hears exactly one disconnect whatever happens next.
  const userId = header(answer.headers['x-asrs-user-id'])?.trim();
  const claims = header(answer.headers['x-asrs-user-claims']);
  const selected = header(answer.headers['sec-websocket-protocol'])?.trim();
  const refusal = !userId
    ? 'the upstream bound no user id (X-ASRS-User-Id)'
    : selected && !splitProtocols(offered).includes(selected)
      ? `the upstream selected subprotocol "${selected}", which the client did not offer`
      : undefined;
  const disconnectOnly = (): void => {
    const sent = deps.upstream.call({ event: 'disconnect', hub: target.hub, connectionId: id, userId, claims }).then(() => undefined);
    keepUntilSettled(deps.draining, sent);
  };
  if (refusal) {
    deps.logger.warn({ ...log, code: ErrorCodes.upstreamBadAnswer }, `connect refused: ${refusal}`);
    refuse(socket, 503, ErrorCodes.upstreamBadAnswer, refusal);
    return disconnectOnly();
  }
  if (gone || deps.closing()) {
    if (!gone) refuse(socket, 503, ErrorCodes.upstreamUnavailable, 'the service is shutting down');
    return disconnectOnly();
  }
  if (selected) selectedProtocols.set(req, selected);
  let established = false;
  socket.once('close', () => {
    if (!established) disconnectOnly();
  });
  deps.wss.handleUpgrade(req, socket, head, (ws) => {
    established = true;
    const conn = new ClientConnection(deps, ws, socket, { id, hub: target.hub, userId: userId as string, binary: target.binary, claims, protocol: selected || undefined });
    deps.registry.add(target.hub, conn);
    deps.logger.debug({ ...log, userId }, 'client connected');
    if (answer.body.length > 0) conn.send(answer.body, isBinaryBody(answer.headers['content-type'], target.binary));
  });
}

export function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

export function splitProtocols(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
}

/** Checks what ws's handleUpgrade would refuse, before the upstream is asked. */
export function invalidUpgrade(req: IncomingMessage): string | undefined {
  if (req.method !== 'GET') return 'method';
  if (req.headers.upgrade?.toLowerCase() !== 'websocket') return 'Upgrade header';
  if (!KEY.test(req.headers['sec-websocket-key'] ?? '')) return 'Sec-WebSocket-Key';
  const version = req.headers['sec-websocket-version'];
  if (version !== '13' && version !== '8') return 'Sec-WebSocket-Version';
  const offered = req.headers['sec-websocket-protocol'];
  if (offered !== undefined) {
    const list = offered.split(',').map((p) => p.trim());
    if (list.some((p) => !TOKEN.test(p)) || new Set(list).size !== list.length) return 'Sec-WebSocket-Protocol';
  }
  return undefined;
}

export function writeResponse(socket: Duplex, status: number, contentType: string, body: Buffer): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const head =
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
    `Connection: close\r\nContent-Type: ${contentType}\r\nContent-Length: ${body.length}\r\n\r\n`;
  socket.once('finish', () => socket.destroy());
  socket.end(Buffer.concat([Buffer.from(head, 'latin1'), body]));
}

export function refuse(socket: Duplex, status: number, code: ErrorCode, message: string): void {
  writeResponse(socket, status, 'application/json', Buffer.from(JSON.stringify({ code, message })));
}

/** A 4xx from the upstream reaches the client as is (status and a bounded body). */
function passThrough(socket: Duplex, answer: UpstreamAnswer): void {
  const type = header(answer.headers['content-type']) ?? 'text/plain';
  writeResponse(socket, answer.status, type.replace(/[\r\n]/g, ''), answer.body.subarray(0, 4096));
}
