import { describe, expect, it } from 'vitest';
import { decodeDownstream, encodeUpstream } from '../testing/protobuf-client.js';
import { protobufAck, protobufMessage } from './protobuf-protocol.js';
import { parseProtobufMessage } from './protobuf-protocol.js';
import { ProtoError, ProtoWriter, readMessage } from './protobuf-wire.js';

describe('the protobuf wire format, checked against protobufjs', () => {
  it('reads what protobufjs writes, and protobufjs reads what the service writes', () => {
    expect(parseProtobufMessage(encodeUpstream({ join_group_message: { group: 'g', ack_id: 2 ** 40 } }), false)).toEqual({ type: 'joinGroup', group: 'g', ackId: 2 ** 40 });
    expect(parseProtobufMessage(encodeUpstream({ send_to_group_message: { group: 'g', data: { text_data: 'é' } } }), false)).toMatchObject({ type: 'sendToGroup', ackId: undefined, noEcho: false, payload: { kind: 'text', data: Buffer.from('é') } });
    expect(decodeDownstream(protobufAck(300, { name: 'Forbidden', message: 'no' }))).toEqual({ ack_message: { ack_id: 300, success: false, error: { name: 'Forbidden', message: 'no' } } });
    expect(decodeDownstream(protobufMessage({ data: Buffer.from('x'), kind: 'text' }, { from: 'server' }, 129))).toEqual({ data_message: { from: 'server', data: { text_data: 'x' }, sequence_id: 129 } });
  });

  it('refuses bytes that are not a message, with a reason', () => {
    expect(() => readMessage(Buffer.from([0x0a, 0x05, 0x61]))).toThrow(ProtoError);
    expect(() => readMessage(Buffer.from([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]))).toThrow(/2\^53/);
    expect(() => readMessage(Buffer.from([0x0b]))).toThrow(/wire type 3/);
    expect(parseProtobufMessage(Buffer.from([0xff]), false)).toMatchObject({ ackId: undefined, malformed: expect.stringMatching(/not a protobuf UpstreamMessage/) });
    expect(parseProtobufMessage(encodeUpstream({ sequence_ack_message: { sequence_id: 1 } }), false)).toMatchObject({ malformed: expect.stringMatching(/only for protobuf.reliable/) });
    expect(parseProtobufMessage(new ProtoWriter().bytes(3, Buffer.alloc(0)).finish(), false)).toMatchObject({ malformed: 'UpstreamMessage field 3 is not a known message' });
  });
});
