import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket, WebSocketServer } from 'ws';
import { header, invalidUpgrade, newConnectionId, refuse, selectedProtocols, splitProtocols, writeResponse } from '../client/handshake.js';
import { ErrorCodes } from '../errors.js';
import { signatureHeader } from '../upstream/signature.js';
import { clientAudiences, tokenOf, verifyClientToken } from './client-token.js';
import { chooseProtocol, connectBody, parseConnectAnswer, parseWpsUrl, type ConnectAnswer } from './connect.js';
import { WpsConnection, type WpsContext } from './connection.js';

export interface WpsHandshakeDeps extends WpsContext {
  readonly wss: WebSocketServer;
  readonly accessKeys: readonly string[];
  readonly closing: () => boolean;
}

/** The Web PubSub client handshake (docs/protocols.md §2): token, recovery, blocking connect, then the socket. */
export function createWpsHandshake(deps: WpsHandshakeDeps) {
  const keys = deps.accessKeys.map((key) => new TextEncoder().encode(key));
  return async (req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> => {
    const invalid = invalidUpgrade(req);
    if (invalid) return refuse(socket, invalid === 'method' ? 405 : 400, ErrorCodes.badRequest, `invalid WebSocket handshake: ${invalid}`);
    const target = parseWpsUrl(req.url ?? '/');
    if ('status' in target) return refuse(socket, target.status, ErrorCodes.badRequest, target.message);
    if (deps.closing()) return refuse(socket, 503, ErrorCodes.upstreamUnavailable, 'the service is shutting down');
    const offered = splitProtocols(header(req.headers['sec-websocket-protocol']));

    const recoverId = target.query.get('awps_connection_id');
    if (recoverId !== null) return recover(deps, req, socket, head, target.hub, recoverId, target.query.get('awps_reconnection_token') ?? '');

    const verified = await verifyClientToken(tokenOf(req, target.query), keys, clientAudiences(req, target.hub));
    if (!verified.ok) {
      deps.logger.info({ code: ErrorCodes.clientAuth, hub: target.hub, reason: verified.message }, 'client refused: access token');
      return refuse(socket, 401, ErrorCodes.clientAuth, verified.message);
    }
    const identity = verified.identity;
    const id = newConnectionId();
    const signature = signatureHeader(id, deps.accessKeys);
    const log = { connectionId: id, hub: target.hub };
    let gone = false;
    socket.once('close', () => (gone = true));

    let answer: ConnectAnswer = { groups: [], roles: [] };
    let connectionState: string | undefined;
    const called = deps.events.handles(target.hub, { system: 'connect' });
    if (called) {
      const outcome = await deps.events.call({
        hub: target.hub,
        connectionId: id,
        userId: identity.userId,
        event: { system: 'connect' },
        subprotocol: undefined,
        connectionState: undefined,
        signature,
        contentType: 'application/json; charset=utf-8',
        body: connectBody(identity, target.query, req, offered),
      });
      if (outcome.kind === 'failed') {
        deps.logger.warn({ ...log, code: ErrorCodes.eventHandlerFailed, url: outcome.url, reason: outcome.reason }, 'connect handler failed; refused');
        return refuse(socket, 500, ErrorCodes.eventHandlerFailed, `the connect event handler failed: ${outcome.reason}`);
      }
      if (outcome.kind === 'answer') {
        const { status, headers, body } = outcome.answer;
        if (status < 200 || status >= 300) {
          deps.logger.info({ ...log, status }, 'connect refused by the event handler');
          const type = header(headers['content-type']) ?? 'text/plain';
          return writeResponse(socket, status, type.replace(/[\r\n]/g, ''), body.subarray(0, 4096));
        }
        try {
          answer = parseConnectAnswer(body);
        } catch (error) {
          deps.logger.warn({ ...log, code: ErrorCodes.eventHandlerBadAnswer, reason: (error as Error).message }, 'connect answer refused');
          return refuse(socket, 500, ErrorCodes.eventHandlerBadAnswer, (error as Error).message);
        }
        const state = headers['ce-connectionstate'];
        if (typeof state === 'string') connectionState = state;
      }
    }
    const chosen = chooseProtocol(offered, answer.subprotocol);
    if ('refusal' in chosen) {
      deps.logger.info({ ...log, code: ErrorCodes.protocolUnsupported, offered }, chosen.refusal);
      return refuse(socket, chosen.status, ErrorCodes.protocolUnsupported, chosen.refusal);
    }
    if (gone || deps.closing()) {
      if (!gone) refuse(socket, 503, ErrorCodes.upstreamUnavailable, 'the service is shutting down');
      return;
    }
    if (chosen.protocol) selectedProtocols.set(req, chosen.protocol);
    const conn = new WpsConnection(deps, {
      id,
      hub: target.hub,
      userId: answer.userId ?? identity.userId,
      protocol: chosen.protocol,
      kind: chosen.kind,
      codec: chosen.codec,
      roles: [...identity.roles, ...answer.roles],
      connectionState,
      signature,
      reconnectionToken: chosen.kind === 'reliable' ? randomBytes(24).toString('base64url') : undefined,
    });
    deps.wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      deps.registry.add(target.hub, conn);
      const hub = deps.registry.ensureHub(target.hub);
      for (const group of new Set([...identity.groups, ...answer.groups])) hub.addConnectionToGroup(group, conn);
      conn.attach(ws, socket);
      if (conn.codec) conn.sendControl(conn.codec.connected(id, conn.userId, conn.reconnectionToken));
      deps.logger.debug({ ...log, userId: conn.userId, protocol: conn.protocol }, 'client connected');
      conn.fireConnected();
    });
  };
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * `?awps_connection_id=…&awps_reconnection_token=…`: a reliable connection
 * still waiting in its recovery window takes the new socket. Anything else
 * opens the socket and closes it with 1008, which tells the client to start
 * a new connection instead.
 */
function recover(deps: WpsHandshakeDeps, req: IncomingMessage, socket: Duplex, head: Buffer, hub: string, id: string, token: string): void {
  const found = deps.registry.hub(hub)?.connections.get(id);
  const conn = found instanceof WpsConnection ? found : undefined;
  const ok = conn !== undefined && conn.reconnectionToken !== undefined && !conn.isEnded && sameToken(conn.reconnectionToken, token);
  if (conn?.protocol) selectedProtocols.set(req, conn.protocol);
  else {
    const offered = splitProtocols(header(req.headers['sec-websocket-protocol']));
    if (offered[0]) selectedProtocols.set(req, offered[0]);
  }
  deps.wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
    if (!ok || !conn) {
      deps.logger.info({ connectionId: id, hub }, 'recovery refused: unknown connection or wrong reconnection token');
      ws.close(1008, 'the connection cannot be recovered; start a new one');
      return;
    }
    deps.logger.debug({ connectionId: id, hub }, 'reliable client recovered');
    conn.attach(ws, socket);
  });
}
