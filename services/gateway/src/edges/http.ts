import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Caller } from '../chat-path/chat-path.js';
import { GatewayError, GatewayErrorCodes } from '../errors.js';

/** Settles once the answer was written (or the socket closed): `chat.connected` waits for it. */
export function answered(reply: FastifyReply): Promise<void> {
  return new Promise<void>((resolve) => {
    reply.raw.once('finish', () => resolve());
    reply.raw.once('close', () => resolve());
  });
}

export function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Bodies past the frame cap get an error ack; only absurd ones (a signed caller gone wrong) get a 413. */
export const HARD_BODY_LIMIT = 1024 * 1024;

/** The user the WebSocket service bound to the connection; refused, naming the header it should have come in, when absent. */
export function requireUser(userId: string | undefined, header: string): string {
  if (!userId) throw new GatewayError(GatewayErrorCodes.userMissing, `${header} is missing`);
  return userId;
}

/** Who sent an event: the connection, its user and the trace context the service passed on. */
export function callerOf(request: FastifyRequest, connection: { readonly hub: string; readonly connectionId: string }, userId: string): Caller {
  const traceparent = headerText(request.headers.traceparent);
  return { hub: connection.hub, connectionId: connection.connectionId, userId, ...(traceparent ? { traceparent } : {}) };
}
