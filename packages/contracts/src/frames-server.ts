import { Type, type Static } from '@sinclair/typebox';
import type { CodedError } from './errors.js';

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
  room: Type.Optional(Type.String()),
  to: Type.Optional(Type.String()),
  text: Type.String(),
  at: Iso,
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
});

export const PresenceFrame = Type.Object({ type: Type.Literal('presence'), user: Type.String(), online: Type.Boolean() });

export const RoomFrame = Type.Object({
  type: Type.Literal('room'),
  room: Type.String(),
  user: Type.String(),
  event: Type.Union([Type.Literal('joined'), Type.Literal('left'), Type.Literal('invited')]),
  by: Type.Optional(Type.String()),
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
]);

export type HelloFrame = Static<typeof HelloFrame>;
export type AckFrame = Static<typeof AckFrame>;
export type MessageFrame = Static<typeof MessageFrame>;
export type HistoryAnswerFrame = Static<typeof HistoryAnswerFrame>;
export type StateFrame = Static<typeof StateFrame>;
export type PresenceFrame = Static<typeof PresenceFrame>;
export type RoomFrame = Static<typeof RoomFrame>;
export type ErrorFrame = Static<typeof ErrorFrame>;
export type ServerFrame = Static<typeof ServerFrame>;

export function okAck(id: string): AckFrame {
  return { type: 'ack', id, ok: true };
}

export function errorAck(id: string, error: CodedError): AckFrame {
  return { type: 'ack', id, ok: false, error: { code: error.code, message: error.message } };
}
