import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import {
  CHAT_SUBPROTOCOL,
  ErrorCodes,
  parseJson,
  parseWebPubSubConnect,
  readWebPubSubEvent,
  WEBPUBSUB_EVENT_HANDLER_PATH,
  WEBPUBSUB_MESSAGE_EVENT,
  WebPubSubHeaders,
  type AckFrame,
  type WebPubSubConnectResponse,
  type WebPubSubEventContext,
} from '@parley/contracts';
import type { Logger } from '@parley/service-kit';
import type { GatewayConfig } from '../../config.js';
import type { ChatPath } from '../../chat-path/chat-path.js';
import type { SendToConnection } from '../client-endpoint.js';
import type { HandlerCheck } from './handler-auth.js';
import { answered, callerOf, HARD_BODY_LIMIT, headerText, requireUser } from '../http.js';
import type { WebPubSubEdgeConfig } from '../../service-config.js';
import { GatewayError, GatewayErrorCodes } from '../../errors.js';
import type { RawBody } from '../../chat-path/frames.js';
import type { GatewayMetrics } from '../../metrics.js';
import { rawBodyParser } from '../raw-body.js';
import { isUserName } from '../../tokens.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified ce-* context of a Web PubSub event-handler call (set by the auth hook). */
    webPubSub: WebPubSubEventContext | null;
  }
}

export interface WebPubSubRouteOptions {
  config: GatewayConfig;
  edge: WebPubSubEdgeConfig;
  chat: ChatPath;
  check: HandlerCheck;
  /** Sends the `hello` frame once the socket is open (REST, through the SDK). */
  sendHello: SendToConnection;
  metrics: GatewayMetrics;
  logger: Logger;
}

/** A connect body holds the client's claims, query and headers: room for them beside the frame cap. */
const CONNECT_BODY_BYTES = 64 * 1024;

/**
 * `OPTIONS|POST /api/webpubsub/events`: the Web PubSub dialect's edge
 * (docs/protocols.md §2, CloudEvents binary mode) in front of the shared chat
 * path. The hub's event handler points here for every system and user event.
 */
export const webPubSubRoutes: FastifyPluginAsync<WebPubSubRouteOptions> = async (app, options) => {
  const { config, edge, chat, check, metrics } = options;
  app.removeAllContentTypeParsers();
  const keep = Math.max(config.maxFrameBytes, CONNECT_BODY_BYTES);
  app.addContentTypeParser('*', rawBodyParser(keep, Math.max(HARD_BODY_LIMIT, keep * 4)));
  app.decorateRequest('webPubSub', null);

  // Abuse protection: only the configured service host may send us events.
  app.options(WEBPUBSUB_EVENT_HANDLER_PATH, async (request, reply) => {
    const origin = headerText(request.headers[WebPubSubHeaders.requestOrigin])?.trim();
    if (!origin || !edge.allowedOrigins.some((allowed) => allowed.toLowerCase() === origin.toLowerCase())) {
      throw new GatewayError(GatewayErrorCodes.originNotAllowed, `WebHook-Request-Origin "${origin ?? ''}" is not the configured Web PubSub host`);
    }
    return reply.code(200).header(WebPubSubHeaders.allowedOrigin, origin).send();
  });

  // Headers and signature (or bearer token) before the body is read: an unsigned caller costs no parsing.
  app.addHook('onRequest', async (request) => {
    if (request.method !== 'POST') return;
    const read = readWebPubSubEvent(request.headers);
    if (!read.ok) throw GatewayError.from(read.error);
    await check(read.value, headerText(request.headers.authorization));
    if (read.value.hub.toLowerCase() !== config.hub.toLowerCase()) {
      throw new GatewayError(GatewayErrorCodes.hubUnknown, `this gateway serves hub "${config.hub}"`);
    }
    request.webPubSub = { ...read.value, hub: config.hub };
  });

  app.addHook('onResponse', async (request, reply) => {
    if (request.method !== 'POST') return;
    const event = eventLabel(request.webPubSub);
    metrics.requests.inc({ event, status: String(reply.statusCode) });
    metrics.requestSeconds.observe({ event }, reply.elapsedTime / 1000);
  });

  function connect(request: FastifyRequest, reply: FastifyReply, context: WebPubSubEventContext): WebPubSubConnectResponse {
    const body = request.body as RawBody | undefined;
    const json = body && body.size > 0 ? parseJson(body.bytes.toString('utf8')) : { ok: true as const, value: undefined };
    if (!json.ok || (body && body.size > CONNECT_BODY_BYTES)) throw new GatewayError(ErrorCodes.eventBodyInvalid, 'the connect body is not the documented JSON');
    const connectRequest = parseWebPubSubConnect(json.value);
    if (!connectRequest.ok) throw GatewayError.from(connectRequest.error);
    // The service checked the client token (signed with its key, issued by /api/negotiate); its `sub` is the user.
    const user = context.userId ?? connectRequest.value.claims?.sub?.[0];
    if (!user) throw new GatewayError(ErrorCodes.tokenMissing, 'the connection carries no user: connect with the URL /api/negotiate hands out');
    if (!isUserName(user)) throw new GatewayError(ErrorCodes.tokenInvalid, 'the token\'s user is not a usable user name');
    if (!(connectRequest.value.subprotocols ?? []).includes(CHAT_SUBPROTOCOL)) {
      throw new GatewayError(ErrorCodes.subprotocolMissing, `the client must offer the subprotocol ${CHAT_SUBPROTOCOL}`);
    }
    return { userId: user, subprotocol: CHAT_SUBPROTOCOL };
  }

  /**
   * The socket is open: hello goes out through REST, and `chat.connected` follows it from this
   * same request, so the worker's first frames (`state`) come after the hello without any wait
   * for another request (which a Kubernetes Service may send to another gateway). A connection
   * the service accepted but never opened gets no `connected` and so never counts as online.
   */
  function connected(request: FastifyRequest, reply: FastifyReply, context: WebPubSubEventContext): FastifyReply {
    const user = requireUser(context.userId, 'ce-userId');
    const helloTried = options
      .sendHello(context.connectionId, { type: 'hello', user, connectionId: context.connectionId })
      .catch((error: unknown) => options.logger.warn({ err: error, connectionId: context.connectionId, userId: user }, 'hello could not be sent'));
    chat.connected(callerOf(request, context, user), Promise.all([helloTried, answered(reply)]));
    return reply.code(204).send();
  }

  async function message(request: FastifyRequest, reply: FastifyReply, context: WebPubSubEventContext): Promise<AckFrame> {
    if (context.eventName !== WEBPUBSUB_MESSAGE_EVENT) {
      throw new GatewayError(GatewayErrorCodes.eventUnknown, `user event "${context.eventName}" is not served: ${CHAT_SUBPROTOCOL} clients send plain frames`);
    }
    const caller = callerOf(request, context, requireUser(context.userId, 'ce-userId'));
    reply.type('application/json');
    return chat.message(caller, request.body as RawBody | undefined);
  }

  function disconnected(request: FastifyRequest, reply: FastifyReply, context: WebPubSubEventContext): FastifyReply {
    chat.disconnected(callerOf(request, context, requireUser(context.userId, 'ce-userId')));
    return reply.code(204).send();
  }

  app.post(WEBPUBSUB_EVENT_HANDLER_PATH, async (request, reply) => {
    const context = request.webPubSub!;
    switch (context.kind) {
      case 'connect':
        return reply.type('application/json').send(connect(request, reply, context));
      case 'connected':
        return connected(request, reply, context);
      case 'user':
        return message(request, reply, context);
      case 'disconnected':
        return disconnected(request, reply, context);
    }
  });
};

function eventLabel(context: WebPubSubEventContext | null): string {
  if (!context) return 'unknown';
  return context.kind === 'user' ? 'message' : context.kind;
}
