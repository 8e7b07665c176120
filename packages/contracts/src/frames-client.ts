import { Type, type Static } from '@sinclair/typebox';
import { ErrorCodes, fail, ok, type Result } from './errors.js';
import { compile, findForbiddenKey, parseJson } from './validate.js';

/** The subprotocol that versions every frame below. */
export const CHAT_SUBPROTOCOL = 'parley.chat.v1';

export const Limits = {
  /** A client frame larger than this (UTF-8 bytes) is refused before parsing. */
  maxFrameBytes: 16 * 1024,
  /** Text length in characters (Unicode code points), as the protocol counts them. */
  maxTextChars: 4000,
  maxNameChars: 64,
  maxClientIdChars: 64,
  maxCursorChars: 200,
  maxHistoryLimit: 100,
  defaultHistoryLimit: 50,
} as const;

// Names travel into REST URLs and table keys; control characters never do.
// Everything else is allowed and always encoded where it is used.
const NAME_PATTERN = '^[^\\u0000-\\u001f\\u007f]+$';
export const Name = Type.String({ minLength: 1, maxLength: Limits.maxNameChars, pattern: NAME_PATTERN });
const ClientId = Type.String({ minLength: 1, maxLength: Limits.maxClientIdChars, pattern: NAME_PATTERN });
// Length is checked in code points by parseClientFrame; this bound only caps UTF-16 size.
const Text = Type.String({ maxLength: Limits.maxTextChars * 2 });

const strict = { additionalProperties: false } as const;

export const SendFrame = Type.Object(
  {
    type: Type.Literal('send'),
    id: ClientId,
    text: Text,
    room: Type.Optional(Name),
    to: Type.Optional(Name),
  },
  strict,
);
/**
 * `private` matters only when the join creates the room: a private room is joined only through a
 * member's `invite`, and is listed only to its members. Absent = public, as every older frame.
 */
export const JoinFrame = Type.Object({ type: Type.Literal('join'), id: ClientId, room: Name, private: Type.Optional(Type.Boolean()) }, strict);
export const LeaveFrame = Type.Object({ type: Type.Literal('leave'), id: ClientId, room: Name }, strict);
export const InviteFrame = Type.Object({ type: Type.Literal('invite'), id: ClientId, room: Name, user: Name }, strict);
export const HistoryFrame = Type.Object(
  {
    type: Type.Literal('history'),
    id: ClientId,
    room: Type.Optional(Name),
    with: Type.Optional(Name),
    before: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: Limits.maxCursorChars }), Type.Null()])),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: Limits.maxHistoryLimit })),
  },
  strict,
);

export const ClientFrame = Type.Union([SendFrame, JoinFrame, LeaveFrame, InviteFrame, HistoryFrame]);

export type SendFrame = Static<typeof SendFrame>;
export type JoinFrame = Static<typeof JoinFrame>;
export type LeaveFrame = Static<typeof LeaveFrame>;
export type InviteFrame = Static<typeof InviteFrame>;
export type HistoryFrame = Static<typeof HistoryFrame>;
export type ClientFrame = Static<typeof ClientFrame>;
export type ClientFrameType = ClientFrame['type'];

const validators = {
  send: compile(SendFrame, ErrorCodes.frameInvalid, 'send frame'),
  join: compile(JoinFrame, ErrorCodes.frameInvalid, 'join frame'),
  leave: compile(LeaveFrame, ErrorCodes.frameInvalid, 'leave frame'),
  invite: compile(InviteFrame, ErrorCodes.frameInvalid, 'invite frame'),
  history: compile(HistoryFrame, ErrorCodes.frameInvalid, 'history frame'),
} as const;

function isFrameType(value: unknown): value is ClientFrameType {
  return typeof value === 'string' && Object.hasOwn(validators, value);
}

export function codePointLength(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/**
 * Validates one raw client frame. Never throws. The `id` of a frame that got
 * far enough to have one is returned with the error so the error ack can name it.
 */
export function parseClientFrame(
  raw: string | Uint8Array,
  maxBytes: number = Limits.maxFrameBytes,
): Result<ClientFrame> & { readonly clientId?: string } {
  if (typeof raw !== 'string') {
    if (raw.byteLength > maxBytes) return fail(ErrorCodes.frameTooLarge, `frame exceeds ${maxBytes} bytes`);
    const decoded = decodeUtf8(raw);
    if (decoded === undefined) return fail(ErrorCodes.frameNotJson, 'frame is not valid UTF-8');
    raw = decoded;
  } else if (Buffer.byteLength(raw, 'utf8') > maxBytes) {
    return fail(ErrorCodes.frameTooLarge, `frame exceeds ${maxBytes} bytes`);
  }
  const parsed = parseJson(raw);
  if (!parsed.ok) return fail(ErrorCodes.frameNotJson, `frame is not JSON: ${parsed.reason}`);
  const value = parsed.value;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return fail(ErrorCodes.frameNotObject, 'frame must be a JSON object');
  }
  const record = value as Record<string, unknown>;
  // JSON.parse makes own properties only, so reading `id` first is safe and lets every refusal name the frame.
  const clientId = typeof record.id === 'string' && record.id.length > 0 ? record.id : undefined;
  const withId = <T>(result: Result<T>) => (clientId ? { ...result, clientId } : result);
  const forbidden = findForbiddenKey(value);
  if (forbidden) return withId(fail(ErrorCodes.frameForbiddenKey, `frame holds the forbidden key "${forbidden}"`));
  if (clientId === undefined) return fail(ErrorCodes.frameMissingId, 'frame needs a non-empty string "id"');
  if (!isFrameType(record.type)) {
    return withId(fail(ErrorCodes.frameUnknownType, `unknown frame type ${JSON.stringify(record.type ?? null)}`));
  }
  if (record.type === 'send' && typeof record.text === 'string') {
    const length = codePointLength(record.text);
    if (length === 0 || record.text.trim().length === 0) return withId(fail(ErrorCodes.textEmpty, 'text must not be empty'));
    if (length > Limits.maxTextChars) {
      return withId(fail(ErrorCodes.textTooLong, `text exceeds ${Limits.maxTextChars} characters`));
    }
  }
  const checked = validators[record.type].validate(value);
  if (!checked.ok) return withId(checked);
  if (record.type === 'send' && record.room !== undefined && record.to !== undefined) {
    return withId(fail(ErrorCodes.frameInvalid, 'a send frame names either "room" or "to", not both'));
  }
  if (record.type === 'history' && record.room !== undefined && record.with !== undefined) {
    return withId(fail(ErrorCodes.frameInvalid, 'a history frame names either "room" or "with", not both'));
  }
  return withId(ok(checked.value as ClientFrame));
}

const strictDecoder = new TextDecoder('utf-8', { fatal: true });
function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    return undefined;
  }
}
