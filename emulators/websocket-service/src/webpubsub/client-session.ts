import type { Origin, Payload } from '../hub-connection.js';
import { ErrorCodes } from '../errors.js';
import type { WpsConnection } from './connection.js';
import type { AckError } from './json-protocol.js';
import { canJoinLeave, canSendTo } from './permissions.js';

/**
 * What a PubSub client's frame does, whichever subprotocol framed it (JSON or
 * protobuf: the connection's codec). Ping and sequenceAck are answered at
 * once; the other requests run in the connection's queue, so acks and
 * handler answers come back in the order the requests came.
 */
export function handleClientMessage(conn: WpsConnection, data: Buffer, isBinary: boolean): void {
  const log = conn.ctx.logger;
  const codec = conn.codec;
  if (!codec) return;
  const msg = codec.parse(data, isBinary, conn.kind === 'reliable');
  if ('ignored' in msg) {
    log.info({ code: ErrorCodes.badMessage, connectionId: conn.id, protocol: conn.protocol }, `${msg.ignored}; ignored`);
    return;
  }
  if ('malformed' in msg) {
    log.info({ code: ErrorCodes.badMessage, connectionId: conn.id, protocol: conn.protocol, reason: msg.malformed }, 'malformed PubSub message');
    if (msg.ackId !== undefined) conn.sendControl(codec.ack(msg.ackId, { name: 'BadRequest', message: msg.malformed }));
    return;
  }
  if (msg.type === 'ping') return conn.sendControl(codec.pong);
  if (msg.type === 'sequenceAck') return conn.acknowledge(msg.sequenceId);
  if (msg.ackId !== undefined && !conn.rememberAck(msg.ackId)) {
    conn.sendControl(codec.ack(msg.ackId, { name: 'Duplicate', message: `ackId ${msg.ackId} was already used on this connection` }));
    return;
  }
  const ack = (error?: { name: AckError; message: string }): void => {
    if (msg.ackId !== undefined) conn.sendControl(codec.ack(msg.ackId, error));
  };
  conn.enqueue(async () => {
    if (conn.isEnded) return;
    const hub = conn.ctx.registry.ensureHub(conn.hub);
    switch (msg.type) {
      case 'joinGroup':
      case 'leaveGroup':
        if (!canJoinLeave(conn.roles, msg.group)) return ack({ name: 'Forbidden', message: `no permission to join or leave group ${msg.group}` });
        if (msg.type === 'joinGroup') hub.addConnectionToGroup(msg.group, conn);
        else hub.dropConnectionFromGroup(msg.group, conn);
        return ack();
      case 'sendToGroup': {
        if (!canSendTo(conn.roles, msg.group)) return ack({ name: 'Forbidden', message: `no permission to send to group ${msg.group}` });
        const origin: Origin = { from: 'group', group: msg.group, fromUserId: conn.userId };
        for (const member of hub.membersOf(msg.group)?.keys() ?? []) {
          if (msg.noEcho && member === conn) continue;
          member.deliver(msg.payload, origin);
        }
        return ack();
      }
      case 'event':
        return userEvent(conn, msg.event, msg.payload, ack);
    }
  });
}

async function userEvent(conn: WpsConnection, event: string, payload: Payload, ack: (error?: { name: AckError; message: string }) => void): Promise<void> {
  const outcome = await conn.userEvent(event, payload);
  if (outcome.kind === 'no-handler') return ack();
  if (outcome.kind === 'answer' && outcome.answer.status >= 200 && outcome.answer.status < 300) {
    conn.keepState(outcome.answer.headers);
    const body = outcome.answer.body;
    if (body.length > 0) {
      const type = String(outcome.answer.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
      const kind = type === 'application/json' ? 'json' : type === 'application/octet-stream' ? 'binary' : type === 'application/x-protobuf' ? 'protobuf' : 'text';
      conn.deliver({ data: body, kind }, { from: 'server' });
    }
    return ack();
  }
  conn.logIfFailed(event, outcome);
  const detail = outcome.kind === 'failed' ? outcome.reason : `the event handler answered ${outcome.answer.status}`;
  ack({ name: 'InternalServerError', message: detail });
}
