import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import {
  CHAT_SUBPROTOCOL,
  ErrorCodes,
  errorAck,
  okAck,
  readUpstreamHeaders,
  UPSTREAM_EVENTS,
  verifySignature,
  type AckFrame,
  type CodedError,
  type HelloFrame,
  type UpstreamContext,
} from '@parley/contracts';
import type { Logger } from '@parley/service-kit';
import { connectedEvent, disconnectedEvent, messageEvent, newTraceparent, traceIdOf, type EventSource } from '../chat-events.js';
import type { GatewayConfig } from '../config.js';
import type { ConnectionLanes } from '../connection-lanes.js';
import { GatewayError, GatewayErrorCodes } from '../errors.js';
import { readFrame, type RawBody } from '../frames.js';
import type { GatewayMetrics } from '../metrics.js';
import type { RateLimiter } from '../rate-limiter.js';
import { rawBodyParser } from '../raw-body.js';
import type { TokenVerifier } from '../tokens.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified X-ASRS-* context of an upstream call (set by the signature hook). */
    upstream: UpstreamContext | null;
  }
}

export interface UpstreamOptions {
  config: GatewayConfig;
  lanes: ConnectionLanes;
  limiter: RateLimiter;
  verifier: TokenVerifier;
  metrics: GatewayMetrics;
  logger: Logger;
  eventIds: () => string;
  now: () => number;
}

/** Bodies past the cap get an error ack; only absurd ones (a signed caller gone wrong) get a 413. */
const HARD_BODY_LIMIT = 1024 * 1024;

/** `POST /api/messages?event=…`: the upstream of the serverless WebSocket service (docs/protocols.md §1). */
export const upstreamRoutes: FastifyPluginAsync<UpstreamOptions> = async (app, options) => {
  const { config, lanes, limiter, verifier, metrics } = options;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', rawBodyParser(config.maxFrameBytes, Math.max(HARD_BODY_LIMIT, config.maxFrameBytes * 4)));
  app.decorateRequest('upstream', null);

  // Headers and signature before the body is read: an unsigned caller costs no parsing.
  app.addHook('onRequest', async (request) => {
    const read = readUpstreamHeaders(request.headers);
    if (!read.ok) throw GatewayError.from(read.error, read.error.code === ErrorCodes.signatureMissing ? 401 : 400);
    const context = read.value;
    if (!verifySignature(context.signature, context.connectionId, config.accessKeys)) {
      throw new GatewayError(ErrorCodes.signatureInvalid, 'X-ASRS-Signature matches none of the access keys', 401);
    }
    const queryEvent = (request.query as { event?: unknown }).event;
    if (queryEvent !== undefined && String(queryEvent).toLowerCase() !== context.event) {
      throw new GatewayError(GatewayErrorCodes.eventMismatch, `?event=${String(queryEvent)} does not match X-ASRS-Event ${context.event}`, 400);
    }
    // Hub names are case-insensitive in the service; events carry the configured spelling.
    if (context.hub.toLowerCase() !== config.hub.toLowerCase()) {
      throw new GatewayError(GatewayErrorCodes.hubUnknown, `this gateway serves hub "${config.hub}"`, 400);
    }
    request.upstream = { ...context, hub: config.hub };
  });

  app.addHook('onResponse', async (request, reply) => {
    const event = eventLabel(request);
    metrics.requests.inc({ event, status: String(reply.statusCode) });
    metrics.requestSeconds.observe({ event }, reply.elapsedTime / 1000);
  });

  const sourceOf = (request: FastifyRequest, context: UpstreamContext, userId: string): EventSource => ({
    hub: context.hub,
    connectionId: context.connectionId,
    userId,
    eventId: options.eventIds(),
    receivedAt: new Date(options.now()),
    traceparent: newTraceparent(headerText(request.headers.traceparent)),
  });
  const logFor = (source: EventSource) =>
    options.logger.child({ eventId: source.eventId, connectionId: source.connectionId, userId: source.userId, traceId: traceIdOf(source.traceparent) });
  const rejectFrame = (clientId: string, error: CodedError): AckFrame => {
    metrics.rejections.inc({ code: error.code });
    return errorAck(clientId, error);
  };

  async function connect(request: FastifyRequest, reply: FastifyReply, context: UpstreamContext): Promise<HelloFrame> {
    const check = await verifier.verify(context.clientQuery.get('access_token') ?? undefined);
    if (!check.ok) throw GatewayError.from(check.error, 401);
    if (!context.subprotocols.includes(CHAT_SUBPROTOCOL)) {
      throw new GatewayError(ErrorCodes.subprotocolMissing, `the client must offer the subprotocol ${CHAT_SUBPROTOCOL}`, 400);
    }
    const { user } = check.value;
    const source = sourceOf(request, context, user);
    // Queued now, so nothing of this connection can overtake it; sent once the answer is out.
    lanes.post(context.connectionId, connectedEvent(source), answered(reply));
    logFor(source).info('connected');
    reply.header('x-asrs-user-id', user).header('sec-websocket-protocol', CHAT_SUBPROTOCOL).type('application/json');
    return { type: 'hello', user, connectionId: context.connectionId };
  }

  async function message(request: FastifyRequest, reply: FastifyReply, context: UpstreamContext): Promise<AckFrame> {
    const userId = requireUser(context);
    reply.type('application/json');
    const frame = readFrame(request.body as RawBody | undefined, config.maxFrameBytes);
    if (!frame.ok) return rejectFrame(frame.clientId ?? '', frame.error);
    if (!limiter.take(userId)) {
      return rejectFrame(frame.value.id, { code: ErrorCodes.rateLimited, message: `more than ${config.rateLimit.perSecond} frames per second` });
    }
    const source = sourceOf(request, context, userId);
    try {
      await lanes.send(context.connectionId, messageEvent(source, frame.value));
    } catch (error) {
      logFor(source).error({ err: error, clientId: frame.value.id }, 'the bus did not accept a message');
      throw new GatewayError(ErrorCodes.busUnavailable, 'the bus did not accept the frame; resend it later', 503);
    }
    // A child logger per message costs more than the rest of the handler: only when it will print.
    if (options.logger.isLevelEnabled('debug')) logFor(source).debug({ clientId: frame.value.id, frameType: frame.value.type }, 'message queued');
    return okAck(frame.value.id);
  }

  function disconnect(request: FastifyRequest, reply: FastifyReply, context: UpstreamContext): FastifyReply {
    const source = sourceOf(request, context, requireUser(context));
    lanes.post(context.connectionId, disconnectedEvent(source));
    logFor(source).info('disconnected');
    return reply.code(200).send();
  }

  app.post('/api/messages', async (request, reply) => {
    const context = request.upstream!;
    switch (context.event) {
      case 'connect':
        return connect(request, reply, context);
      case 'message':
        return message(request, reply, context);
      case 'disconnect':
        return disconnect(request, reply, context);
    }
  });
};

function requireUser(context: UpstreamContext): string {
  if (!context.userId) throw new GatewayError(GatewayErrorCodes.userMissing, 'X-ASRS-User-Id is missing', 400);
  return context.userId;
}

/** Settles once the answer was written (or the socket closed): the connected event waits for it. */
function answered(reply: FastifyReply): Promise<void> {
  return new Promise<void>((resolve) => {
    reply.raw.once('finish', () => resolve());
    reply.raw.once('close', () => resolve());
  });
}

function eventLabel(request: FastifyRequest): string {
  const event = request.upstream?.event ?? String((request.query as { event?: unknown }).event ?? '');
  return (UPSTREAM_EVENTS as readonly string[]).includes(event) ? event : 'unknown';
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
