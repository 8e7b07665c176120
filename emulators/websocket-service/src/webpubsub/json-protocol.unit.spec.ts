import { describe, expect, it } from 'vitest';
import { FROM_SERVER } from '../hub-connection.js';
import { JSON_CODEC, PROTOBUF_CODEC } from './codec.js';
import { chooseProtocol, parseConnectAnswer } from './connect.js';
import { messageFrame, parseClientMessage, withSequenceId } from './json-protocol.js';
import { ReliableBuffer } from './reliable-buffer.js';

describe('JSON subprotocol frames', () => {
  it('parses requests into typed messages with their payloads', () => {
    expect(parseClientMessage('{"type":"joinGroup","group":"g","ackId":1}', false)).toEqual({ type: 'joinGroup', group: 'g', ackId: 1 });
    const send = parseClientMessage('{"type":"sendToGroup","group":"g","noEcho":true,"dataType":"binary","data":"AQI="}', false);
    expect(send).toMatchObject({ type: 'sendToGroup', noEcho: true, ackId: undefined, payload: { kind: 'binary', data: Buffer.from([1, 2]) } });
    expect(parseClientMessage('{"type":"event","event":"e","data":{"a":1}}', false)).toMatchObject({ payload: { kind: 'json', data: Buffer.from('{"a":1}') } });
    expect(parseClientMessage('{"type":"sequenceAck","sequenceId":3}', true)).toEqual({ type: 'sequenceAck', sequenceId: 3 });
    expect(parseClientMessage('{"type":"sequenceAck","sequenceId":3}', false)).toHaveProperty('malformed');
  });

  it('builds message frames once per payload and splices sequence ids in', () => {
    const payload = { data: Buffer.from('not json'), kind: 'json' as const };
    const frame = messageFrame(payload, FROM_SERVER);
    expect(JSON.parse(frame)).toEqual({ type: 'message', from: 'server', dataType: 'text', data: 'not json' });
    expect(messageFrame(payload, FROM_SERVER)).toBe(frame);
    const group = messageFrame({ data: Buffer.from('"x"'), kind: 'json' }, { from: 'group', group: 'g', fromUserId: undefined });
    expect(JSON.parse(withSequenceId(group, 7))).toEqual({ sequenceId: 7, type: 'message', from: 'group', group: 'g', dataType: 'json', data: 'x' });
  });

  it('keeps unacknowledged frames in order up to a cap', () => {
    const buffer = new ReliableBuffer(2, 1024);
    for (const text of ['a', 'b']) expect(buffer.push(withSequenceId(`{"d":"${text}"}`, buffer.nextId()))).toBe(true);
    expect(buffer.push(withSequenceId('{"d":"c"}', buffer.nextId()))).toBe(false);
    buffer.ack(1);
    expect(buffer.pending()).toEqual(['{"sequenceId":2,"d":"b"}']);
  });
});

describe('connect answers and subprotocol choice', () => {
  it('reads the optional fields of a 2xx answer', () => {
    expect(parseConnectAnswer(Buffer.alloc(0))).toEqual({ groups: [], roles: [] });
    expect(parseConnectAnswer(Buffer.from('{"userId":"u","groups":["g"],"roles":["r"],"subprotocol":"p"}'))).toEqual({ userId: 'u', groups: ['g'], roles: ['r'], subprotocol: 'p' });
    expect(() => parseConnectAnswer(Buffer.from('{"subprotocol":" "}'))).toThrow(/subprotocol/);
  });

  it('takes the handler pick, else the first PubSub protocol offered (JSON or protobuf), else none', () => {
    expect(chooseProtocol(['a', 'json.webpubsub.azure.v1'], 'a')).toEqual({ protocol: 'a', kind: 'simple', codec: undefined });
    expect(chooseProtocol(['json.reliable.webpubsub.azure.v1', 'json.webpubsub.azure.v1'], undefined)).toEqual({ protocol: 'json.reliable.webpubsub.azure.v1', kind: 'reliable', codec: JSON_CODEC });
    expect(chooseProtocol(['x', 'protobuf.webpubsub.azure.v1'], undefined)).toEqual({ protocol: 'protobuf.webpubsub.azure.v1', kind: 'pubsub', codec: PROTOBUF_CODEC });
    expect(chooseProtocol(['protobuf.reliable.webpubsub.azure.v1'], undefined)).toEqual({ protocol: 'protobuf.reliable.webpubsub.azure.v1', kind: 'reliable', codec: PROTOBUF_CODEC });
    expect(chooseProtocol([], undefined)).toEqual({ protocol: undefined, kind: 'simple', codec: undefined });
    expect(chooseProtocol(['x'], 'y')).toHaveProperty('refusal');
  });
});
