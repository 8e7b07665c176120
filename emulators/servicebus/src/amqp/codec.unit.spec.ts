import { describe, expect, it } from 'vitest';
import rhea from 'rhea';
import { encodeForDelivery, parseMessage, splitBatch, withApplicationProperties, withMessageId } from './codec.js';
import { deliveryTagFor, newLockToken } from './lock-token.js';
import { parseAddress } from './address.js';
import { FrameGuard } from './frame-guard.js';

const encode = (m: object) => rhea.message.encode(m as never) as Buffer;
const decode = (b: Buffer) => rhea.message.decode(b) as unknown as Record<string, unknown>;

describe('message codec', () => {
  const raw = encode({
    ttl: 5000,
    message_id: 'm1',
    group_id: 'g',
    message_annotations: { 'x-opt-partition-key': 'p', 'x-opt-sequence-number': 99 },
    application_properties: { a: 1 },
    body: rhea.message.data_section(Buffer.from('hello')),
  });

  it('reads what the broker needs and hands the rest on unchanged', () => {
    const m = parseMessage(raw);
    expect([m.messageId, m.sessionId, m.ttl]).toEqual(['m1', 'g', 5000]);
    const out = decode(encodeForDelivery(m, 3, { sequenceNumber: 7, enqueuedTime: 1000, lockedUntil: 2000, state: 'deferred' }));
    expect(out.delivery_count).toBe(3);
    expect(out.ttl).toBe(5000);
    expect(out.message_annotations).toEqual({
      'x-opt-sequence-number': 7,
      'x-opt-enqueued-time': new Date(1000),
      'x-opt-locked-until': new Date(2000),
      'x-opt-message-state': 1,
      'x-opt-partition-key': 'p',
    });
    expect(out.application_properties).toEqual({ a: 1 });
    expect((out.body as { content: Buffer }).content.toString()).toBe('hello');
  });

  it('adds application properties and message ids without disturbing other sections', () => {
    const m = withMessageId(parseMessage(encode({ application_properties: { a: 1 }, body: 'x' })), 'new-id');
    expect(m).toMatchObject({ messageId: 'new-id' });
    expect(parseMessage(m.raw).messageId).toBe('new-id');
    const changed = decode(withApplicationProperties(m, { DeadLetterReason: 'r', a: 2 }));
    expect(changed.application_properties).toEqual({ a: 2, DeadLetterReason: 'r' });
    expect(changed.message_id).toBe('new-id');
    expect(changed.body).toBe('x');
    const added = decode(withApplicationProperties(parseMessage(encode({ body: 'y' })), { k: 'v' }));
    expect(added.application_properties).toEqual({ k: 'v' });
  });

  it('splits a batch transfer and refuses garbage with a decode error', () => {
    const batch = encode({ body: rhea.message.data_sections([encode({ body: 'a' }), encode({ body: 'b' })]) });
    expect(splitBatch(batch).map((b) => decode(b).body)).toEqual(['a', 'b']);
    expect(() => parseMessage(Buffer.from([0x00, 0x53, 0x70, 0xff]))).toThrow(expect.objectContaining({ condition: 'amqp:decode-error' }));
    expect(() => parseMessage(encode({ message_id: 'no body' }).subarray(0, 5))).toThrow();
  });
});

describe('lock tokens, addresses and frame sizes', () => {
  it('reorders the tag so the SDK reads the same UUID', () => {
    const token = newLockToken();
    const tag = deliveryTagFor(token);
    const reordered = Buffer.from([tag[3], tag[2], tag[1], tag[0], tag[5], tag[4], tag[7], tag[6], ...tag.subarray(8)] as number[]);
    expect(reordered.equals(token.bytes)).toBe(true);
  });

  it('parses entity addresses case-insensitively later, $cbs and $management', () => {
    expect(parseAddress('$cbs')).toEqual({ kind: 'cbs' });
    expect(parseAddress('orders')).toEqual({ kind: 'entity', entity: 'orders', deadLetter: false, management: false });
    expect(parseAddress('sb://h:1/t/Subscriptions/s/$DeadLetterQueue/$management')).toEqual({
      kind: 'entity', entity: 't', subscription: 's', deadLetter: true, management: true,
    });
    expect(parseAddress('a/b')).toBeUndefined();
  });

  it('stops a stream that announces a frame larger than agreed', () => {
    const guard = new FrameGuard(1000);
    const header = Buffer.from('AMQP\x03\x01\x00\x00', 'latin1');
    const frame = Buffer.alloc(20);
    frame.writeUInt32BE(20);
    expect(guard.accept(Buffer.concat([header, frame.subarray(0, 6)]))).toBe(true);
    expect(guard.accept(Buffer.concat([frame.subarray(6), Buffer.from('AMQP\x00\x01\x00\x00', 'latin1')]))).toBe(true);
    expect(guard.accept(Buffer.from([0xee, 0xee, 0xee, 0xee]))).toBe(false);
  });
});
