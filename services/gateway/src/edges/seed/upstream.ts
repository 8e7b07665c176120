import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { CHAT_SUBPROTOCOL, ErrorCodes, readUpstreamHeaders, UPSTREAM_EVENTS, verifySignature, type AckFrame, type HelloFrame, type UpstreamContext } from '@parley/contracts';
import type { GatewayConfig } from '../../config.js';
import type { ChatPath } from '../../chat-path/chat-path.js';
import { answered, callerOf, HARD_BODY_LIMIT, requireUser } from '../http.js';
import { GatewayError, GatewayErrorCodes } from '../../errors.js';
import type { RawBody } from '../../chat-path/frames.js';
import type { GatewayMetrics } from '../../metrics.js';
import { rawBodyParser } from '../raw-body.js';
import type { TokenVerifier } from '../../tokens.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified X-ASRS-* context of an upstream call (set by the signature hook). */
    upstream: UpstreamContext | null;
  }
}

export interface UpstreamOptions {
  config: GatewayConfig;
  /** The chat path both dialects share (chat-path/chat-path.ts). */
  chat: ChatPath;
  verifier: TokenVerifier;
  metrics: GatewayMetrics;
}

/** `POST /api/messages?event=…`: the seed dialect's edge (docs/protocols.md §1) in front of the shared chat path. */
export const upstreamRoutes: FastifyPluginAsync<UpstreamOptions> = async (app, options) => {
  const { config, chat, verifier, metrics } = options;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', rawBodyParser(config.maxFrameBytes, Math.max(HARD_BODY_LIMIT, config.maxFrameBytes * 4)));
  app.decorateRequest('upstream', null);

  // Headers and signature before the body is read: an unsigned caller costs no parsing.
  app.addHook('onRequest', async (request) => {
    const read = readUpstreamHeaders(request.headers);
    if (!read.ok) throw GatewayError.from(read.error);
    const context = read.value;
    if (!verifySignature(context.signature, context.connectionId, config.accessKeys)) {
      throw new GatewayError(ErrorCodes.signatureInvalid, 'X-ASRS-Signature matches none of the access keys');
    }
    const queryEvent = (request.query as { event?: unknown }).event;
    if (queryEvent !== undefined && String(queryEvent).toLowerCase() !== context.event) {
      throw new GatewayError(GatewayErrorCodes.eventMismatch, `?event=${String(queryEvent)} does not match X-ASRS-Event ${context.event}`);
    }
    // Hub names are case-insensitive in the service; events carry the configured spelling.
    if (context.hub.toLowerCase() !== config.hub.toLowerCase()) {
      throw new GatewayError(GatewayErrorCodes.hubUnknown, `this gateway serves hub "${config.hub}"`);
    }
    request.upstream = { ...context, hub: config.hub };
  });

  app.addHook('onResponse', async (request, reply) => {
    const event = eventLabel(request);
    metrics.requests.inc({ event, status: String(reply.statusCode) });
    metrics.requestSeconds.observe({ event }, reply.elapsedTime / 1000);
  });

  async function connect(request: FastifyRequest, reply: FastifyReply, context: UpstreamContext): Promise<HelloFrame> {
    const check = await verifier.verify(context.clientQuery.get('access_token') ?? undefined);
    if (!check.ok) throw GatewayError.from(check.error);
    if (!context.subprotocols.includes(CHAT_SUBPROTOCOL)) {
      throw new GatewayError(ErrorCodes.subprotocolMissing, `the client must offer the subprotocol ${CHAT_SUBPROTOCOL}`);
    }
    const { user } = check.value;
    chat.connected(callerOf(request, context, user), answered(reply));
    reply.header('x-asrs-user-id', user).header('sec-websocket-protocol', CHAT_SUBPROTOCOL).type('application/json');
    // The seed service delivers a non-empty connect answer as the client's first frame.
    return { type: 'hello', user, connectionId: context.connectionId };
  }

  async function message(request: FastifyRequest, reply: FastifyReply, context: UpstreamContext): Promise<AckFrame> {
    const caller = callerOf(request, context, requireUser(context.userId, 'X-ASRS-User-Id'));
    reply.type('application/json');
    return chat.message(caller, request.body as RawBody | undefined);
  }

  function disconnect(request: FastifyRequest, reply: FastifyReply, context: UpstreamContext): FastifyReply {
    chat.disconnected(callerOf(request, context, requireUser(context.userId, 'X-ASRS-User-Id')));
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

function eventLabel(request: FastifyRequest): string {
  const event = request.upstream?.event ?? String((request.query as { event?: unknown }).event ?? '');
  return (UPSTREAM_EVENTS as readonly string[]).includes(event) ? event : 'unknown';
}
