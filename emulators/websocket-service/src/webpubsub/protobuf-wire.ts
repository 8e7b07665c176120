/**
 * The little of the protobuf wire format (proto3) the Web PubSub protobuf
 * subprotocols need: varints and length-delimited fields. Written by hand
 * because the service only ever encodes and decodes a handful of fixed
 * messages, and a schema library would be a dependency for that.
 */

const VARINT = 0;
const I64 = 1;
const LEN = 2;
const I32 = 5;

function varint(value: number): number[] {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`varint out of range: ${value}`);
  const out: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    out.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  out.push(rest);
  return out;
}

/** Builds one message: fields are appended in the order written. */
export class ProtoWriter {
  private readonly parts: Buffer[] = [];

  uint(field: number, value: number): this {
    this.parts.push(Buffer.from([...varint((field << 3) | VARINT), ...varint(value)]));
    return this;
  }

  bool(field: number, value: boolean): this {
    return this.uint(field, value ? 1 : 0);
  }

  bytes(field: number, value: Buffer | Uint8Array): this {
    this.parts.push(Buffer.from([...varint((field << 3) | LEN), ...varint(value.length)]), Buffer.from(value));
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, Buffer.from(value, 'utf8'));
  }

  finish(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** A decoded field: varints as numbers, length-delimited as bytes (a string or an embedded message). */
export type ProtoValue = { readonly kind: 'uint'; readonly value: number } | { readonly kind: 'bytes'; readonly value: Buffer };

/** Thrown for bytes that are not a well-formed protobuf message. */
export class ProtoError extends Error {}

function readVarint(buf: Buffer, at: number): { value: number; next: number } {
  let value = 0;
  let scale = 1;
  for (let i = at; i < buf.length && i < at + 10; i++) {
    const byte = buf[i] as number;
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) {
      if (!Number.isSafeInteger(value)) throw new ProtoError('a varint is larger than 2^53');
      return { value, next: i + 1 };
    }
    scale *= 0x80;
  }
  throw new ProtoError('a varint is cut short');
}

/**
 * Every field of one message by number; a repeated number keeps the last
 * value, as proto3 does for singular fields. Unknown wire types 1 and 5 are
 * skipped; groups (3, 4) are refused.
 */
export function readMessage(buf: Buffer): Map<number, ProtoValue> {
  const fields = new Map<number, ProtoValue>();
  let at = 0;
  while (at < buf.length) {
    const tag = readVarint(buf, at);
    at = tag.next;
    const field = Math.floor(tag.value / 8);
    const wire = tag.value % 8;
    if (field === 0) throw new ProtoError('field number 0');
    if (wire === VARINT) {
      const v = readVarint(buf, at);
      at = v.next;
      fields.set(field, { kind: 'uint', value: v.value });
    } else if (wire === LEN) {
      const len = readVarint(buf, at);
      const end = len.next + len.value;
      if (end > buf.length) throw new ProtoError(`field ${field} runs past the end of the message`);
      fields.set(field, { kind: 'bytes', value: buf.subarray(len.next, end) });
      at = end;
    } else if (wire === I64 || wire === I32) {
      at += wire === I64 ? 8 : 4;
      if (at > buf.length) throw new ProtoError(`field ${field} runs past the end of the message`);
    } else {
      throw new ProtoError(`wire type ${wire} is not supported`);
    }
  }
  return fields;
}
