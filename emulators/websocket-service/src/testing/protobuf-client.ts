import protobuf from 'protobufjs';

/**
 * Microsoft's documented messages of `protobuf.webpubsub.azure.v1` and
 * `protobuf.reliable.webpubsub.azure.v1` (the "protobuf WebSocket
 * subprotocol" references, with sequence ack, ping and pong), compiled by
 * protobufjs: a test client whose encoding owes nothing to the service's own.
 */
const ANY_PROTO = `syntax = "proto3"; package google.protobuf; message Any { string type_url = 1; bytes value = 2; }`;

const WEBPUBSUB_PROTO = `
syntax = "proto3";

message UpstreamMessage {
  oneof message {
    SendToGroupMessage send_to_group_message = 1;
    EventMessage event_message = 5;
    JoinGroupMessage join_group_message = 6;
    LeaveGroupMessage leave_group_message = 7;
    SequenceAckMessage sequence_ack_message = 8;
    PingMessage ping_message = 9;
  }
  message SendToGroupMessage { string group = 1; optional uint64 ack_id = 2; MessageData data = 3; optional bool no_echo = 4; }
  message EventMessage { string event = 1; MessageData data = 2; optional uint64 ack_id = 3; }
  message JoinGroupMessage { string group = 1; optional uint64 ack_id = 2; }
  message LeaveGroupMessage { string group = 1; optional uint64 ack_id = 2; }
  message SequenceAckMessage { uint64 sequence_id = 1; }
  message PingMessage {}
}

message DownstreamMessage {
  oneof message {
    AckMessage ack_message = 1;
    DataMessage data_message = 2;
    SystemMessage system_message = 3;
    PongMessage pong_message = 4;
  }
  message AckMessage {
    uint64 ack_id = 1;
    bool success = 2;
    optional ErrorMessage error = 3;
    message ErrorMessage { string name = 1; string message = 2; }
  }
  message DataMessage { string from = 1; optional string group = 2; MessageData data = 3; optional uint64 sequence_id = 4; }
  message SystemMessage {
    oneof message {
      ConnectedMessage connected_message = 1;
      DisconnectedMessage disconnected_message = 2;
    }
    message ConnectedMessage { string connection_id = 1; string user_id = 2; string reconnection_token = 3; }
    message DisconnectedMessage { string reason = 2; }
  }
  message PongMessage {}
}

message MessageData {
  oneof data {
    string text_data = 1;
    bytes binary_data = 2;
    google.protobuf.Any protobuf_data = 3;
  }
}
`;

const root = new protobuf.Root();
protobuf.parse(ANY_PROTO, root, { keepCase: true });
protobuf.parse(WEBPUBSUB_PROTO, root, { keepCase: true });
root.resolveAll();

const Upstream = root.lookupType('UpstreamMessage');
const Downstream = root.lookupType('DownstreamMessage');
export const AnyType = root.lookupType('google.protobuf.Any');

/** An UpstreamMessage from a plain object (field names as in the .proto). */
export function encodeUpstream(message: Record<string, unknown>): Buffer {
  const error = Upstream.verify(message);
  if (error) throw new Error(`not an UpstreamMessage: ${error}`);
  return Buffer.from(Upstream.encode(Upstream.fromObject(message)).finish());
}

export interface MessageDataObject {
  readonly text_data?: string;
  readonly binary_data?: Uint8Array;
  readonly protobuf_data?: { readonly type_url: string; readonly value: Uint8Array };
}

/** What the tests read of a DownstreamMessage. */
export interface DownstreamObject {
  readonly ack_message?: { readonly ack_id: number; readonly success: boolean; readonly error?: { readonly name: string; readonly message: string } };
  readonly data_message?: { readonly from: string; readonly group?: string; readonly sequence_id?: number; readonly data: MessageDataObject };
  readonly system_message?: {
    readonly connected_message?: { readonly connection_id: string; readonly user_id: string; readonly reconnection_token: string };
    readonly disconnected_message?: { readonly reason: string };
  };
  readonly pong_message?: Record<string, never>;
}

/**
 * A DownstreamMessage as a plain object: uint64 as numbers, only the fields
 * that are set, except an ack's `success`, which proto3 reads as false when
 * absent (protobufjs versions differ on whether toObject shows it).
 */
export function decodeDownstream(frame: Buffer): DownstreamObject {
  const message = Downstream.toObject(Downstream.decode(frame), { longs: Number }) as DownstreamObject;
  const ack = message.ack_message;
  return ack ? { ...message, ack_message: { ...ack, success: ack.success === true } } : message;
}

/** A google.protobuf.Any's encoded bytes, as a publisher packs them. */
export function packAny(typeUrl: string, value: Buffer): Buffer {
  return Buffer.from(AnyType.encode(AnyType.fromObject({ type_url: typeUrl, value })).finish());
}
