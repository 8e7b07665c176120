import type { Origin, Payload } from '../hub-connection.js';
import type { AckError, ClientMessage, Malformed } from './json-protocol.js';
import { ProtoError, ProtoWriter, readMessage, type ProtoValue } from './protobuf-wire.js';

/**
 * `protobuf.webpubsub.azure.v1` / `protobuf.reliable.webpubsub.azure.v1`
 * (Microsoft's "protobuf WebSocket subprotocol" references), as field numbers:
 *
 *   UpstreamMessage { oneof { SendToGroupMessage 1 {group 1, optional uint64 ack_id 2, MessageData data 3, optional bool no_echo 4};
 *                             EventMessage 5 {event 1, MessageData data 2, optional uint64 ack_id 3};
 *                             JoinGroupMessage 6 {group 1, optional uint64 ack_id 2}; LeaveGroupMessage 7 (same);
 *                             SequenceAckMessage 8 {uint64 sequence_id 1}; PingMessage 9 {} } }
 *   DownstreamMessage { oneof { AckMessage 1 {uint64 ack_id 1, bool success 2, optional ErrorMessage error 3 {name 1, message 2}};
 *                               DataMessage 2 {from 1, optional group 2, MessageData data 3, uint64 sequence_id 4};
 *                               SystemMessage 3 {oneof {ConnectedMessage 1 {connection_id 1, user_id 2, reconnection_token 3};
 *                                                        DisconnectedMessage 2 {reason 2}}};
 *                               PongMessage 4 {} } }
 *   MessageData { oneof { string text_data 1; bytes binary_data 2; google.protobuf.Any protobuf_data 3 } }
 *
 * Pure; the connection does the I/O. JSON payloads go to protobuf clients as
 * text_data holding the JSON, as the reference says.
 */
export const PROTOBUF_PROTOCOL = 'protobuf.webpubsub.azure.v1';
export const RELIABLE_PROTOBUF_PROTOCOL = 'protobuf.reliable.webpubsub.azure.v1';

const MAX_NAME = 1024;

function nested(value: ProtoValue | undefined, what: string): Map<number, ProtoValue> {
  if (value === undefined) return new Map();
  if (value.kind !== 'bytes') throw new ProtoError(`${what} must be a message`);
  return readMessage(value.value);
}

function text(value: ProtoValue | undefined, field: string): string {
  if (value === undefined) return '';
  if (value.kind !== 'bytes') throw new ProtoError(`"${field}" must be a string`);
  return value.value.toString('utf8');
}

function name(value: ProtoValue | undefined, field: string): string {
  const s = text(value, field);
  if (s === '' || s.length > MAX_NAME) throw new Error(`"${field}" must be a non-empty string of at most ${MAX_NAME} characters`);
  return s;
}

function uint(value: ProtoValue | undefined, field: string): number | undefined {
  if (value === undefined) return undefined;
  if (value.kind !== 'uint') throw new ProtoError(`"${field}" must be a varint`);
  return value.value;
}

/** MessageData: which member of the oneof is set decides the payload's kind. */
function payloadOf(value: ProtoValue | undefined): Payload {
  const data = nested(value, 'data');
  const textData = data.get(1);
  const binary = data.get(2);
  const any = data.get(3);
  if (textData?.kind === 'bytes') return { data: Buffer.from(textData.value), kind: 'text' };
  if (binary?.kind === 'bytes') return { data: Buffer.from(binary.value), kind: 'binary' };
  if (any?.kind === 'bytes') return { data: Buffer.from(any.value), kind: 'protobuf' };
  throw new Error('"data" must set text_data, binary_data or protobuf_data');
}

export function parseProtobufMessage(frame: Buffer, reliable: boolean): ClientMessage | Malformed {
  let top: Map<number, ProtoValue>;
  try {
    top = readMessage(frame);
  } catch (error) {
    return { malformed: `the frame is not a protobuf UpstreamMessage (${(error as Error).message})`, ackId: undefined };
  }
  const [field, value] = [...top.entries()].pop() ?? [];
  let body: Map<number, ProtoValue>;
  try {
    body = nested(value, 'the message');
  } catch (error) {
    return { malformed: (error as Error).message, ackId: undefined };
  }
  const ackField = field === 5 ? 3 : 2;
  const rawAck = body.get(ackField);
  const readableAck = rawAck?.kind === 'uint' ? rawAck.value : undefined;
  try {
    switch (field) {
      case 1:
        return { type: 'sendToGroup', group: name(body.get(1), 'group'), ackId: uint(body.get(2), 'ack_id'), noEcho: uint(body.get(4), 'no_echo') === 1, payload: payloadOf(body.get(3)) };
      case 5:
        return { type: 'event', event: name(body.get(1), 'event'), ackId: uint(body.get(3), 'ack_id'), payload: payloadOf(body.get(2)) };
      case 6:
      case 7:
        return { type: field === 6 ? 'joinGroup' : 'leaveGroup', group: name(body.get(1), 'group'), ackId: uint(body.get(2), 'ack_id') };
      case 8: {
        if (!reliable) throw new Error(`sequence_ack_message is only for ${RELIABLE_PROTOBUF_PROTOCOL}`);
        const id = uint(body.get(1), 'sequence_id');
        return { type: 'sequenceAck', sequenceId: id ?? 0 };
      }
      case 9:
        return { type: 'ping' };
      default:
        throw new Error(field === undefined ? 'the UpstreamMessage is empty' : `UpstreamMessage field ${field} is not a known message`);
    }
  } catch (error) {
    return { malformed: (error as Error).message, ackId: readableAck };
  }
}

function downstream(field: number, inner: Buffer): Buffer {
  return new ProtoWriter().bytes(field, inner).finish();
}

export function protobufAck(ackId: number, error?: { name: AckError; message: string }): Buffer {
  const ack = new ProtoWriter().uint(1, ackId).bool(2, error === undefined);
  if (error) ack.bytes(3, new ProtoWriter().string(1, error.name).string(2, error.message).finish());
  return downstream(1, ack.finish());
}

export function protobufConnected(connectionId: string, userId: string | undefined, reconnectionToken: string | undefined): Buffer {
  const connected = new ProtoWriter().string(1, connectionId);
  if (userId !== undefined) connected.string(2, userId);
  if (reconnectionToken !== undefined) connected.string(3, reconnectionToken);
  return downstream(3, new ProtoWriter().bytes(1, connected.finish()).finish());
}

export function protobufDisconnected(reason: string): Buffer {
  return downstream(3, new ProtoWriter().bytes(2, new ProtoWriter().string(2, reason).finish()).finish());
}

export const PROTOBUF_PONG = downstream(4, Buffer.alloc(0));

function messageData(payload: Payload): Buffer {
  const data = new ProtoWriter();
  if (payload.kind === 'binary') data.bytes(2, payload.data);
  else if (payload.kind === 'protobuf') data.bytes(3, payload.data);
  else data.bytes(1, payload.data);
  return data.finish();
}

/** The DataMessage without its sequence_id, cached per payload for fan-out. */
const bodies = new WeakMap<Payload, { origin: Origin; body: Buffer }>();

export function protobufMessage(payload: Payload, origin: Origin, sequenceId: number | undefined): Buffer {
  let body = bodies.get(payload)?.origin === origin ? bodies.get(payload)?.body : undefined;
  if (!body) {
    const data = new ProtoWriter().string(1, origin.from);
    if (origin.from === 'group') data.string(2, origin.group);
    body = Buffer.concat([data.finish(), new ProtoWriter().bytes(3, messageData(payload)).finish()]);
    bodies.set(payload, { origin, body });
  }
  // Fields may come in any order, so a reliable client's sequence_id is appended to the shared body.
  const inner = sequenceId === undefined ? body : Buffer.concat([body, new ProtoWriter().uint(4, sequenceId).finish()]);
  return downstream(2, inner);
}
