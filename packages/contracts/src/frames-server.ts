import { Type, type Static } from '@sinclair/typebox';
import { ErrorCodes, fail, ok, type CodedError, type Result } from './errors.js';
import { compile, parseJson } from './validate.js';
import {
  DirectoryAnswerFrame,
  MembersAnswerFrame,
  MessageStateFields,
  ModerationFrame,
  ReadNoticeFrame,
  TypingNoticeFrame,
  UnreadCount,
  UpdateFrame,
} from './frames-server-features.js';

export * from './frames-server-features.js';

const Iso = Type.String({ minLength: 10, maxLength: 40 });

export const HelloFrame = Type.Object({ type: Type.Literal('hello'), user: Type.String(), connectionId: Type.String() });

export const AckFrame = Type.Object({
  type: Type.Literal('ack'),
  id: Type.String(),
  ok: Type.Boolean(),
  error: Type.Optional(Type.Object({ code: Type.String(), message: Type.String() })),
});

export const MessageFrame = Type.Object({
  type: Type.Literal('message'),
  /** Server id: stable across redeliveries, so clients de-duplicate on it. */
  id: Type.String(),
  clientId: Type.String(),
  from: Type.String(),
  /** The sender's display name when they had one (from the identity provider); show `from` when absent. */
  fromName: Type.Optional(Type.String()),
  room: Type.Optional(Type.String()),
  to: Type.Optional(Type.String()),
  text: Type.String(),
  at: Iso,
  ...MessageStateFields,
});

export const HistoryAnswerFrame = Type.Object({
  type: Type.Literal('history'),
  /** The client id of the `history` request this answers. */
  id: Type.Optional(Type.String()),
  room: Type.Optional(Type.String()),
  with: Type.Optional(Type.String()),
  messages: Type.Array(MessageFrame),
  next: Type.Union([Type.String(), Type.Null()]),
});

export const StateFrame = Type.Object({
  type: Type.Literal('state'),
  rooms: Type.Array(Type.String()),
  /** Those of `rooms` that are private (absent when none is). */
  privateRooms: Type.Optional(Type.Array(Type.String())),
  online: Type.Array(Type.String()),
  /** Display names of users in `online` who have one (user id → name); absent when none has. */
  names: Type.Optional(Type.Record(Type.String(), Type.String())),
  /** The user's conversations with unread messages or a read position, and their direct chats (absent when none). */
  unread: Type.Optional(Type.Array(UnreadCount)),
});

export const PresenceFrame = Type.Object({
  type: Type.Literal('presence'),
  user: Type.String(),
  online: Type.Boolean(),
  /** The user's display name, when they have one. */
  name: Type.Optional(Type.String()),
});

export const RoomFrame = Type.Object({
  type: Type.Literal('room'),
  room: Type.String(),
  user: Type.String(),
  /** `user`'s display name, when known (on `joined` and `left`, which the user sent themselves). */
  userName: Type.Optional(Type.String()),
  event: Type.Union([Type.Literal('joined'), Type.Literal('left'), Type.Literal('invited')]),
  by: Type.Optional(Type.String()),
  /** `by`'s display name, when known. */
  byName: Type.Optional(Type.String()),
  /** Set on `joined` and `invited` of a private room. */
  private: Type.Optional(Type.Literal(true)),
});

/**
 * An error about an already-acked frame (a chat rule refused it in the worker).
 * The gateway's ack only says the frame was accepted durably; this follows.
 */
export const ErrorFrame = Type.Object({
  type: Type.Literal('error'),
  id: Type.String(),
  error: Type.Object({ code: Type.String(), message: Type.String() }),
});

export const ServerFrame = Type.Union([
  HelloFrame,
  AckFrame,
  MessageFrame,
  HistoryAnswerFrame,
  StateFrame,
  PresenceFrame,
  RoomFrame,
  ErrorFrame,
  UpdateFrame,
  TypingNoticeFrame,
  ReadNoticeFrame,
  MembersAnswerFrame,
  DirectoryAnswerFrame,
  ModerationFrame,
]);

/**
 * Several server frames in one WebSocket frame, in the order they were sent. A client
 * handles each as if it had arrived alone. The notifier sends one when it has several
 * frames for the same target at once (one REST call instead of one per frame); frames
 * are never nested, and a batch is never a command's frame.
 */
export const BatchFrame = Type.Object({
  type: Type.Literal('batch'),
  frames: Type.Array(ServerFrame, { minItems: 1 }),
});

/** What one text frame from the server holds: a single server frame or a batch of them. */
export const ServerWireFrame = Type.Union([ServerFrame, BatchFrame]);

export type HelloFrame = Static<typeof HelloFrame>;
export type AckFrame = Static<typeof AckFrame>;
export type MessageFrame = Static<typeof MessageFrame>;
export type HistoryAnswerFrame = Static<typeof HistoryAnswerFrame>;
export type StateFrame = Static<typeof StateFrame>;
export type PresenceFrame = Static<typeof PresenceFrame>;
export type RoomFrame = Static<typeof RoomFrame>;
export type ErrorFrame = Static<typeof ErrorFrame>;
export type UpdateFrame = Static<typeof UpdateFrame>;
export type TypingNoticeFrame = Static<typeof TypingNoticeFrame>;
export type ReadNoticeFrame = Static<typeof ReadNoticeFrame>;
export type UnreadCount = Static<typeof UnreadCount>;
export type MembersAnswerFrame = Static<typeof MembersAnswerFrame>;
export type DirectoryAnswerFrame = Static<typeof DirectoryAnswerFrame>;
export type ModerationFrame = Static<typeof ModerationFrame>;
export type ServerFrame = Static<typeof ServerFrame>;
export type BatchFrame = Static<typeof BatchFrame>;
export type ServerWireFrame = Static<typeof ServerWireFrame>;

export function okAck(id: string): AckFrame {
  return { type: 'ack', id, ok: true };
}

export function errorAck(id: string, error: CodedError): AckFrame {
  return { type: 'ack', id, ok: false, error: { code: error.code, message: error.message } };
}

/**
 * The JSON text of a batch frame from the JSON texts of its frames, in order: a sender
 * that holds frames as text already (the notifier's REST bodies) joins them without
 * parsing and serialising them again.
 */
export function batchFrameText(frameTexts: readonly string[]): string {
  return `{"type":"batch","frames":[${frameTexts.join(',')}]}`;
}

/**
 * The frames one parsed server text frame carries, in order: a batch's frames, or the
 * value itself. Lenient (no schema check), for clients that read frames as plain records.
 */
export function unpackServerFrames(value: unknown): unknown[] {
  if (value !== null && typeof value === 'object' && (value as { type?: unknown }).type === 'batch') {
    const frames = (value as { frames?: unknown }).frames;
    if (Array.isArray(frames)) return frames;
  }
  return [value];
}

const serverWireFrame = compile(ServerWireFrame, ErrorCodes.frameInvalid, 'server frame');

/**
 * Reads one text frame from the server against the schema: the frames it carries, in
 * order (one, or a batch's). A refusal has the code of the first thing wrong.
 */
export function parseServerFrames(raw: string): Result<ServerFrame[]> {
  const parsed = parseJson(raw);
  if (!parsed.ok) return fail(ErrorCodes.frameNotJson, `frame is not JSON: ${parsed.reason}`);
  const value = parsed.value;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return fail(ErrorCodes.frameNotObject, 'frame must be a JSON object');
  const checked = serverWireFrame.validate(value);
  if (!checked.ok) return checked;
  return ok(checked.value.type === 'batch' ? checked.value.frames : [checked.value]);
}
