import { ErrorCodes, Limits, okAck, PROFILE_CONNECTION_ID, type AckFrame, type CodedError, type TypingFrame } from '@parley/contracts';
import { activeTraceparent, type Logger } from '@parley/service-kit';
import { connectedEvent, disconnectedEvent, messageEvent, newTraceparent, profileEvent, traceIdOf, type EventStamp } from './chat-events.js';
import type { GatewayConfig } from '../config.js';
import type { ConnectionLanes } from './connection-lanes.js';
import { GatewayError, GatewayErrorCodes, MessageTooLargeError, type GatewayErrorCode } from '../errors.js';
import { readFrame, type RawBody } from './frames.js';
import type { GatewayMetrics } from '../metrics.js';
import type { RateLimiter } from './rate-limiter.js';
import { TypingThrottle } from './typing-throttle.js';
import type { TypingOutcome, TypingRelay } from './typing-relay.js';

/** Who an upstream call is about, once its dialect's edge has read and verified it. */
export interface Caller {
  /** The configured spelling of the hub. */
  readonly hub: string;
  readonly connectionId: string;
  readonly userId: string;
  /** The upstream request's `traceparent`, if it carried one. */
  readonly traceparent?: string;
}

export interface ChatPathOptions {
  config: GatewayConfig;
  lanes: ConnectionLanes;
  limiter: RateLimiter;
  metrics: GatewayMetrics;
  logger: Logger;
  eventIds: () => string;
  now: () => number;
  /** Default: one typing frame per connection and conversation per Limits.typingIntervalMs. */
  typing?: TypingThrottle;
  /** Typing notices, straight to the WebSocket service (never on the bus). */
  relay: TypingRelay;
}

/**
 * The one chat path both dialects share (docs/architecture.md): what a
 * connect, a message and a disconnect become on the bus. The edges
 * (edges/seed/upstream.ts for the seed dialect, edges/webpubsub/event-handler.ts
 * for Web PubSub) only read, verify and answer the service's calls, like
 * socket.io keeps one server behind its adapters.
 */
export function createChatPath(options: ChatPathOptions) {
  const { config, lanes, limiter, metrics } = options;
  const typing = options.typing ?? new TypingThrottle();

  const rate = { perSecond: config.rateLimit.perSecond, burst: config.rateLimit.burst };
  const sourceOf = (caller: Caller, at = options.now()): EventStamp => ({
    hub: caller.hub,
    connectionId: caller.connectionId,
    userId: caller.userId,
    eventId: options.eventIds(),
    receivedAt: new Date(at),
    // The request span's when tracing is on (so logs and trace agree), else a fresh one.
    traceparent: activeTraceparent() ?? newTraceparent(caller.traceparent),
  });
  const logFor = (source: EventStamp) =>
    options.logger.child({ eventId: source.eventId, connectionId: source.connectionId, userId: source.userId, traceId: traceIdOf(source.traceparent) });
  // The contracts' codes and the gateway's own (PARLEY_GATEWAY_MESSAGE_TOO_LARGE) travel in acks alike.
  const rejectFrame = (clientId: string, error: CodedError | { code: GatewayErrorCode; message: string }): AckFrame => {
    metrics.rejections.inc({ code: error.code });
    return { type: 'ack', id: clientId, ok: false, error: { code: error.code, message: error.message } };
  };

  /** Typing is relayed here and answered with the outcome: no event log, no table write (docs/chat-protocol.md § Typing). */
  const relayTyping = async (source: EventStamp, frame: TypingFrame): Promise<AckFrame> => {
    let outcome: TypingOutcome;
    try {
      outcome = await options.relay.relay(source.userId, frame);
    } catch (error) {
      logFor(source).warn({ err: error, clientId: frame.id }, 'typing not relayed: the tables did not answer');
      return rejectFrame(frame.id, { code: ErrorCodes.typingUnavailable, message: 'the tables did not answer; the notice was not shown' });
    }
    if (!outcome.relayed) {
      if (outcome.error.code === ErrorCodes.typingUnavailable) logFor(source).warn({ clientId: frame.id, why: outcome.error.message }, 'typing not relayed');
      return rejectFrame(frame.id, outcome.error);
    }
    metrics.typingRelayed.inc();
    return okAck(frame.id);
  };

  return {
    /**
     * A connection was accepted (seed) or opened (Web PubSub): `chat.connected` goes into the
     * connection's lane now and leaves once `answered` (this request's own answer, and the hello
     * on Web PubSub) settles, so it never holds up the handshake. The lane keeps this gateway's
     * events of the connection in order; another gateway's may overtake them, which the worker
     * tolerates (connection rows with tombstones, docs/architecture.md § Presence).
     */
    connected(caller: Caller, answered: Promise<unknown>): void {
      const source = sourceOf(caller);
      lanes.post(caller.connectionId, connectedEvent(source), answered);
      logFor(source).info('connected');
    },

    /** One client frame: checked, rate limited, queued (typing: relayed); the ack answers once the bus (or the WebSocket service) accepted it. */
    async message(caller: Caller, body: RawBody | undefined): Promise<AckFrame> {
      const frame = readFrame(body, config.maxFrameBytes);
      if (!frame.ok) return rejectFrame(frame.clientId ?? '', frame.error);
      // One reading of the clock for the bucket and the event: the worker's bucket replays this one's times.
      const at = options.now();
      // Before the rate limit: a typing flood is refused without spending the user's frames.
      if (frame.value.type === 'typing' && !typing.take(caller.connectionId, frame.value, at)) {
        return rejectFrame(frame.value.id, { code: ErrorCodes.typingThrottled, message: `at most one typing frame per ${Limits.typingIntervalMs} ms in a conversation` });
      }
      if (!limiter.take(caller.userId, at)) {
        return rejectFrame(frame.value.id, { code: ErrorCodes.rateLimited, message: `more than ${config.rateLimit.perSecond} frames per second` });
      }
      const source = sourceOf(caller, at);
      if (frame.value.type === 'typing') return relayTyping(source, frame.value);
      const event = messageEvent(source, frame.value);
      // The worker holding the user's session enforces this rate across every gateway.
      event.metadata.rateLimit = rate;
      try {
        await lanes.send(caller.connectionId, event);
      } catch (error) {
        // Resending cannot help a frame that does not fit an empty batch: the client is told so.
        if (error instanceof MessageTooLargeError) return rejectFrame(frame.value.id, { code: GatewayErrorCodes.messageTooLarge, message: error.message });
        logFor(source).error({ err: error, clientId: frame.value.id }, 'the bus did not accept a message');
        throw new GatewayError(ErrorCodes.busUnavailable, 'the bus did not accept the frame; resend it later', { cause: error });
      }
      // A child logger per message costs more than the rest of the handler: only when it will print.
      if (options.logger.isLevelEnabled('debug')) logFor(source).debug({ clientId: frame.value.id, frameType: frame.value.type }, 'message queued');
      return okAck(frame.value.id);
    },

    /**
     * A user signed in (negotiate) with a display name from their verified identity: `chat.profile`
     * is on the bus before negotiate answers, so it is ahead of everything the user's connection
     * sends (the same user-keyed session), and the worker names them in their first frames.
     */
    async profile(userId: string, name: string, traceparent?: string): Promise<void> {
      const source = sourceOf({ hub: config.hub, connectionId: PROFILE_CONNECTION_ID, userId, ...(traceparent ? { traceparent } : {}) });
      try {
        // A lane of its own per user: negotiates of one user stay in order, and wait for no connection.
        await lanes.send(`${PROFILE_CONNECTION_ID}\n${userId}`, profileEvent(source, name));
      } catch (error) {
        logFor(source).error({ err: error }, 'the bus did not accept a profile');
        throw new GatewayError(ErrorCodes.busUnavailable, 'the bus did not accept the sign-in; try again later', { cause: error });
      }
    },

    /** The connection is gone: `chat.disconnected` is posted; nobody waits for the bus. */
    disconnected(caller: Caller): void {
      const source = sourceOf(caller);
      typing.forget(caller.connectionId);
      lanes.post(caller.connectionId, disconnectedEvent(source));
      logFor(source).info('disconnected');
    },
  };
}

export type ChatPath = ReturnType<typeof createChatPath>;
