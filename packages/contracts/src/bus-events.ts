import { Type, type Static } from '@sinclair/typebox';
import { ErrorCodes, fail, type Result } from './errors.js';
import { ClientFrame, Name } from './frames-client.js';
import { compile, findForbiddenKey } from './validate.js';

/** Bus entities of docs/architecture.md § Bus topology. */
export const BusEntities = {
  chatEventsTopic: 'chat-events',
  chatWorkerSubscription: 'chat-worker',
  notificationsQueue: 'notifications',
} as const;

/** Application property names set on every bus message, for filters and tracing. */
export const BusProperties = {
  type: 'parley.type',
  hub: 'parley.hub',
  userId: 'parley.user',
  replayed: 'parley.replayed',
  traceparent: 'traceparent',
} as const;

export const ENVELOPE_VERSION = 1;

export const ChatEventMetadata = Type.Object({
  eventId: Type.String({ minLength: 1, maxLength: 64 }),
  hub: Type.String({ minLength: 1, maxLength: 128 }),
  connectionId: Type.String({ minLength: 1, maxLength: 256 }),
  userId: Type.String({ minLength: 1, maxLength: 256 }),
  receivedAt: Type.String({ minLength: 10, maxLength: 40 }),
  traceparent: Type.Optional(Type.String({ maxLength: 128 })),
  /** Set by the replay tool: rebuild projections, no notifications unless `notify`. */
  replayed: Type.Optional(Type.Boolean()),
  notify: Type.Optional(Type.Boolean()),
  /**
   * Set on a `typing` frame by gateways of an older release, which queued typing for the
   * worker. Gateways now relay typing themselves and never queue it; the worker drops any typing
   * frame it is given, marked or not (docs/chat-protocol.md § Typing). Kept so such an event
   * still reads during a rolling upgrade.
   */
  ephemeral: Type.Optional(Type.Literal(true)),
  /**
   * On a message: the per-user rate the gateway is configured with (RATE_LIMIT_*). The worker
   * that holds the user's session enforces it across every gateway (docs/architecture.md § Limits).
   */
  rateLimit: Type.Optional(
    Type.Object({ perSecond: Type.Number({ minimum: 0, maximum: 1_000_000 }), burst: Type.Number({ minimum: 0, maximum: 1_000_000 }) }, { additionalProperties: false }),
  ),
});

const envelope = <T extends string, D extends ReturnType<typeof Type.Object>>(type: T, data: D) =>
  Type.Object(
    { type: Type.Literal(type), version: Type.Literal(ENVELOPE_VERSION), data, metadata: ChatEventMetadata },
    { additionalProperties: false },
  );

export const ConnectedEvent = envelope('chat.connected', Type.Object({}));
export const MessageEvent = envelope('chat.message', Type.Object({ frame: ClientFrame }));
export const DisconnectedEvent = envelope('chat.disconnected', Type.Object({}));
/**
 * The user's display name, published by the gateway at negotiate from the verified identity (the
 * access token's OIDC_NAME_CLAIM; in development the typed name) — never from a client frame. It
 * has no connection yet: `metadata.connectionId` is PROFILE_CONNECTION_ID.
 */
export const ProfileEvent = envelope('chat.profile', Type.Object({ name: Name }, { additionalProperties: false }));
export const ChatEvent = Type.Union([ConnectedEvent, MessageEvent, DisconnectedEvent, ProfileEvent]);

/** The `connectionId` of a `chat.profile` event: it is sent at negotiate, before any connection exists. */
export const PROFILE_CONNECTION_ID = 'negotiate';

export type ChatEventMetadata = Static<typeof ChatEventMetadata>;
export type ConnectedEvent = Static<typeof ConnectedEvent>;
export type MessageEvent = Static<typeof MessageEvent>;
export type DisconnectedEvent = Static<typeof DisconnectedEvent>;
export type ProfileEvent = Static<typeof ProfileEvent>;
export type ChatEvent = Static<typeof ChatEvent>;
export type ChatEventType = ChatEvent['type'];

const chatEventValidators = {
  'chat.connected': compile(ConnectedEvent, ErrorCodes.envelopeInvalid, 'chat.connected event'),
  'chat.message': compile(MessageEvent, ErrorCodes.envelopeInvalid, 'chat.message event'),
  'chat.disconnected': compile(DisconnectedEvent, ErrorCodes.envelopeInvalid, 'chat.disconnected event'),
  'chat.profile': compile(ProfileEvent, ErrorCodes.envelopeInvalid, 'chat.profile event'),
} as const;

/** Validates a received bus body: every consumer calls this before it acts. */
export function parseChatEvent(body: unknown): Result<ChatEvent> {
  return parseEnvelope(body, chatEventValidators);
}

export function parseEnvelope<T>(
  body: unknown,
  validators: Record<string, { validate(value: unknown): Result<unknown> }>,
): Result<T> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return fail(ErrorCodes.envelopeInvalid, 'envelope must be an object');
  }
  const forbidden = findForbiddenKey(body);
  if (forbidden) return fail(ErrorCodes.envelopeInvalid, `envelope holds the forbidden key "${forbidden}"`);
  const { type, version } = body as { type?: unknown; version?: unknown };
  if (typeof type !== 'string' || !Object.hasOwn(validators, type)) {
    return fail(ErrorCodes.envelopeUnknownType, `unknown envelope type ${JSON.stringify(type ?? null)}`);
  }
  if (version !== ENVELOPE_VERSION) {
    return fail(ErrorCodes.envelopeUnsupportedVersion, `envelope version ${JSON.stringify(version ?? null)} is not supported`);
  }
  return validators[type]!.validate(body) as Result<T>;
}
