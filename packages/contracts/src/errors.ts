/**
 * Stable error codes. They are a contract: the same codes appear in error
 * `ack` frames, HTTP answers and dead-letter reasons. Never reuse a retired code.
 */
export const ErrorCodes = {
  // frame validation (gateway, before anything is queued)
  frameTooLarge: 'PARLEY_FRAME_TOO_LARGE',
  frameNotJson: 'PARLEY_FRAME_NOT_JSON',
  frameNotObject: 'PARLEY_FRAME_NOT_OBJECT',
  frameForbiddenKey: 'PARLEY_FRAME_FORBIDDEN_KEY',
  frameMissingId: 'PARLEY_FRAME_MISSING_ID',
  frameUnknownType: 'PARLEY_FRAME_UNKNOWN_TYPE',
  frameInvalid: 'PARLEY_FRAME_INVALID',
  frameBinary: 'PARLEY_FRAME_BINARY',
  textEmpty: 'PARLEY_TEXT_EMPTY',
  textTooLong: 'PARLEY_TEXT_TOO_LONG',
  rateLimited: 'PARLEY_RATE_LIMITED',
  /** The user already has as many open connections as allowed; the new one is closed with this code. */
  tooManyConnections: 'PARLEY_TOO_MANY_CONNECTIONS',
  // chat rules (worker)
  notMember: 'PARLEY_NOT_MEMBER',
  unknownRoom: 'PARLEY_UNKNOWN_ROOM',
  unknownUser: 'PARLEY_UNKNOWN_USER',
  alreadyMember: 'PARLEY_ALREADY_MEMBER',
  selfMessage: 'PARLEY_SELF_MESSAGE',
  badCursor: 'PARLEY_BAD_CURSOR',
  /** A private room refuses a non-member's join, invite and history (members add people with `invite`). */
  roomPrivate: 'PARLEY_ROOM_PRIVATE',
  /** A `join` with `private: true` named a room that already exists and is public. */
  roomExists: 'PARLEY_ROOM_EXISTS',
  /** A message id that is not a message of the conversation the frame names (or one the sender cannot see). */
  unknownMessage: 'PARLEY_UNKNOWN_MESSAGE',
  /** Editing someone else's message, or deleting it without being the room's owner or a moderator. */
  notAuthor: 'PARLEY_NOT_AUTHOR',
  /** Editing, replying to or reacting to a deleted message. */
  messageDeleted: 'PARLEY_MESSAGE_DELETED',
  /** A reaction name that is not one of EMOJI (checked by the gateway before anything is queued). */
  unknownEmoji: 'PARLEY_UNKNOWN_EMOJI',
  /** A message already carries Limits.maxReactionsPerMessage distinct emoji. */
  tooManyReactions: 'PARLEY_TOO_MANY_REACTIONS',
  /** A reply's `replyTo` is a message of another conversation. */
  replyOtherConversation: 'PARLEY_REPLY_OTHER_CONVERSATION',
  /** Typing frames faster than one per Limits.typingIntervalMs per conversation. */
  typingThrottled: 'PARLEY_TYPING_THROTTLED',
  /** The typing notice could not be relayed (the tables or the WebSocket service did not answer); nothing to resend. */
  typingUnavailable: 'PARLEY_TYPING_UNAVAILABLE',
  /** A moderation frame from someone who is not the room's owner (roles) or owner/moderator (remove, ban, mute). */
  notModerator: 'PARLEY_NOT_MODERATOR',
  /** The owner cannot be removed, banned, muted or have their role changed. */
  targetIsOwner: 'PARLEY_TARGET_IS_OWNER',
  /** The user is banned from the room: join, invite and every frame to it are refused. */
  banned: 'PARLEY_BANNED',
  /** The sender is muted in the room until the time in the message. */
  muted: 'PARLEY_MUTED',
  // upstream / auth
  signatureMissing: 'PARLEY_SIGNATURE_MISSING',
  signatureInvalid: 'PARLEY_SIGNATURE_INVALID',
  headerMissing: 'PARLEY_HEADER_MISSING',
  tokenMissing: 'PARLEY_TOKEN_MISSING',
  tokenInvalid: 'PARLEY_TOKEN_INVALID',
  subprotocolMissing: 'PARLEY_SUBPROTOCOL_MISSING',
  /** A Web PubSub event-handler call whose body does not have the documented shape. */
  eventBodyInvalid: 'PARLEY_EVENT_BODY_INVALID',
  busUnavailable: 'PARLEY_BUS_UNAVAILABLE',
  // bus envelopes and other contracts
  envelopeInvalid: 'PARLEY_ENVELOPE_INVALID',
  envelopeUnknownType: 'PARLEY_ENVELOPE_UNKNOWN_TYPE',
  envelopeUnsupportedVersion: 'PARLEY_ENVELOPE_UNSUPPORTED_VERSION',
  connectionStringInvalid: 'PARLEY_CONNECTION_STRING_INVALID',
  entityInvalid: 'PARLEY_ENTITY_INVALID',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export interface CodedError {
  readonly code: ErrorCode;
  readonly message: string;
}

export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: CodedError };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail<T = never>(code: ErrorCode, message: string): Result<T> {
  return { ok: false, error: { code, message } };
}

/** For callers that prefer throwing (config loading, tools): carries the code. */
export class ContractError extends Error {
  readonly code: ErrorCode;
  constructor(error: CodedError) {
    super(error.message);
    this.name = 'ContractError';
    this.code = error.code;
  }
}

/** Unwraps a result or throws a ContractError with its code. */
export function unwrap<T>(result: Result<T>): T {
  if (!result.ok) throw new ContractError(result.error);
  return result.value;
}
