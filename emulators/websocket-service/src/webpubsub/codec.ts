import type { Origin, Payload } from '../hub-connection.js';
import { ackFrame, connectedFrame, disconnectedFrame, messageFrame, parseClientMessage, PONG_FRAME, withSequenceId, type AckError, type ClientMessage, type Malformed } from './json-protocol.js';
import { parseProtobufMessage, PROTOBUF_PONG, protobufAck, protobufConnected, protobufDisconnected, protobufMessage } from './protobuf-protocol.js';

/** One frame to a client: text for the JSON subprotocols, binary for the protobuf ones. */
export type Frame = string | Buffer;

/** A frame the codec does not read (the other frame type); logged and dropped. */
export interface Ignored {
  readonly ignored: string;
}

/**
 * The framing of a PubSub client's subprotocol. The requests and what they
 * do are the same for JSON and protobuf; only the bytes differ.
 */
export interface Codec {
  readonly binaryFrames: boolean;
  parse(data: Buffer, isBinary: boolean, reliable: boolean): ClientMessage | Malformed | Ignored;
  /** A data message; `sequenceId` for reliable clients. */
  message(payload: Payload, origin: Origin, sequenceId?: number): Frame;
  ack(ackId: number, error?: { name: AckError; message: string }): Frame;
  connected(connectionId: string, userId: string | undefined, reconnectionToken: string | undefined): Frame;
  disconnected(reason: string): Frame;
  readonly pong: Frame;
}

export const JSON_CODEC: Codec = {
  binaryFrames: false,
  parse: (data, isBinary, reliable) => (isBinary ? { ignored: 'binary frame on a JSON subprotocol' } : parseClientMessage(data.toString('utf8'), reliable)),
  message: (payload, origin, sequenceId) => (sequenceId === undefined ? messageFrame(payload, origin) : withSequenceId(messageFrame(payload, origin), sequenceId)),
  ack: ackFrame,
  connected: connectedFrame,
  disconnected: disconnectedFrame,
  pong: PONG_FRAME,
};

export const PROTOBUF_CODEC: Codec = {
  binaryFrames: true,
  parse: (data, isBinary, reliable) => (isBinary ? parseProtobufMessage(data, reliable) : { ignored: 'text frame on a protobuf subprotocol' }),
  message: protobufMessage,
  ack: protobufAck,
  connected: protobufConnected,
  disconnected: protobufDisconnected,
  pong: PROTOBUF_PONG,
};
