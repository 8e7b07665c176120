import { Type, type Static } from '@sinclair/typebox';
import { ErrorCodes, fail, ok, type Result } from './errors.js';
import { compile, findForbiddenKey, parseJson } from './validate.js';
import { ClientId, isEmojiName, Limits, MessageId, Name, strict, Text } from './frame-fields.js';
import { DeleteFrame, EditFrame, ReactFrame, ReadFrame, TypingFrame } from './frames-client-messages.js';
import { BanFrame, DirectoryFrame, MembersFrame, MuteFrame, RemoveFrame, RoleFrame } from './frames-client-rooms.js';

export * from './frames-client-messages.js';
export * from './frames-client-rooms.js';

/** The subprotocol that versions every frame below. */
export const CHAT_SUBPROTOCOL = 'parley.chat.v1';

export { Limits, Name } from './frame-fields.js';

export const SendFrame = Type.Object(
  {
    type: Type.Literal('send'),
    id: ClientId,
    text: Text,
    room: Type.Optional(Name),
    to: Type.Optional(Name),
    /** The server id of a message of the same conversation this one answers. */
    replyTo: Type.Optional(MessageId),
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

export const ClientFrame = Type.Union([
  SendFrame,
  JoinFrame,
  LeaveFrame,
  InviteFrame,
  HistoryFrame,
  EditFrame,
  DeleteFrame,
  ReactFrame,
  TypingFrame,
  ReadFrame,
  MembersFrame,
  DirectoryFrame,
  RoleFrame,
  RemoveFrame,
  BanFrame,
  MuteFrame,
]);

export type SendFrame = Static<typeof SendFrame>;
export type JoinFrame = Static<typeof JoinFrame>;
export type LeaveFrame = Static<typeof LeaveFrame>;
export type InviteFrame = Static<typeof InviteFrame>;
export type HistoryFrame = Static<typeof HistoryFrame>;
export type EditFrame = Static<typeof EditFrame>;
export type DeleteFrame = Static<typeof DeleteFrame>;
export type ReactFrame = Static<typeof ReactFrame>;
export type TypingFrame = Static<typeof TypingFrame>;
export type ReadFrame = Static<typeof ReadFrame>;
export type MembersFrame = Static<typeof MembersFrame>;
export type DirectoryFrame = Static<typeof DirectoryFrame>;
export type RoleFrame = Static<typeof RoleFrame>;
export type RemoveFrame = Static<typeof RemoveFrame>;
export type BanFrame = Static<typeof BanFrame>;
export type MuteFrame = Static<typeof MuteFrame>;
export type ClientFrame = Static<typeof ClientFrame>;
export type ClientFrameType = ClientFrame['type'];

const validators = {
  send: compile(SendFrame, ErrorCodes.frameInvalid, 'send frame'),
  join: compile(JoinFrame, ErrorCodes.frameInvalid, 'join frame'),
  leave: compile(LeaveFrame, ErrorCodes.frameInvalid, 'leave frame'),
  invite: compile(InviteFrame, ErrorCodes.frameInvalid, 'invite frame'),
  history: compile(HistoryFrame, ErrorCodes.frameInvalid, 'history frame'),
  edit: compile(EditFrame, ErrorCodes.frameInvalid, 'edit frame'),
  delete: compile(DeleteFrame, ErrorCodes.frameInvalid, 'delete frame'),
  react: compile(ReactFrame, ErrorCodes.frameInvalid, 'react frame'),
  typing: compile(TypingFrame, ErrorCodes.frameInvalid, 'typing frame'),
  read: compile(ReadFrame, ErrorCodes.frameInvalid, 'read frame'),
  members: compile(MembersFrame, ErrorCodes.frameInvalid, 'members frame'),
  directory: compile(DirectoryFrame, ErrorCodes.frameInvalid, 'directory frame'),
  role: compile(RoleFrame, ErrorCodes.frameInvalid, 'role frame'),
  remove: compile(RemoveFrame, ErrorCodes.frameInvalid, 'remove frame'),
  ban: compile(BanFrame, ErrorCodes.frameInvalid, 'ban frame'),
  mute: compile(MuteFrame, ErrorCodes.frameInvalid, 'mute frame'),
} as const;

/** Frames aimed at a conversation by `room`, `to` or neither (the lobby). */
const CONVERSATION_FRAMES: ReadonlySet<string> = new Set(['send', 'edit', 'delete', 'react', 'typing', 'read']);

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
  if ((record.type === 'send' || record.type === 'edit') && typeof record.text === 'string') {
    const length = codePointLength(record.text);
    if (length === 0 || record.text.trim().length === 0) return withId(fail(ErrorCodes.textEmpty, 'text must not be empty'));
    if (length > Limits.maxTextChars) {
      return withId(fail(ErrorCodes.textTooLong, `text exceeds ${Limits.maxTextChars} characters`));
    }
  }
  const checked = validators[record.type].validate(value);
  if (!checked.ok) return withId(checked);
  if (CONVERSATION_FRAMES.has(record.type) && record.room !== undefined && record.to !== undefined) {
    return withId(fail(ErrorCodes.frameInvalid, `a ${record.type} frame names either "room" or "to", not both`));
  }
  if (record.type === 'typing' && record.room === undefined && record.to === undefined) {
    // The lobby is everyone: "is typing" there would go to every connection of the hub.
    return withId(fail(ErrorCodes.frameInvalid, 'a typing frame names a "room" or a user ("to"); the lobby has no typing'));
  }
  if (record.type === 'react' && typeof record.emoji === 'string' && !isEmojiName(record.emoji)) {
    return withId(fail(ErrorCodes.unknownEmoji, `unknown emoji ${JSON.stringify(record.emoji)}`));
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
