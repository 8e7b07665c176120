import { crc32 } from 'node:zlib';
import type { JournalRecord } from './records.js';

/**
 * Frame: [u32 payload length][u32 crc32 of payload][payload]
 * Payload: [u32 meta length][meta JSON][message bytes, if any]
 * A torn or corrupt tail (crash mid-write) fails the length or CRC check and
 * ends recovery there.
 */
const frameHeader = 8;

export function encodeRecord(record: JournalRecord): Buffer {
  let raw: Buffer | undefined;
  let meta: Record<string, unknown>;
  if (record.t === 'enq' || record.t === 'upd') {
    const { raw: bytes, ...rest } = record;
    raw = bytes;
    meta = rest;
  } else if (record.t === 'sst') {
    meta = { ...record, state: record.state ? record.state.toString('base64') : null };
  } else {
    meta = record;
  }
  const json = Buffer.from(JSON.stringify(meta));
  const payloadLength = 4 + json.length + (raw?.length ?? 0);
  const frame = Buffer.allocUnsafe(frameHeader + payloadLength);
  frame.writeUInt32BE(payloadLength, 0);
  frame.writeUInt32BE(json.length, frameHeader);
  json.copy(frame, frameHeader + 4);
  raw?.copy(frame, frameHeader + 4 + json.length);
  frame.writeUInt32BE(crc32(frame.subarray(frameHeader)), 4);
  return frame;
}

export interface DecodedJournal {
  readonly records: JournalRecord[];
  /** Bytes of intact frames; anything after is a torn tail. */
  readonly validLength: number;
}

export function decodeJournal(data: Buffer): DecodedJournal {
  const records: JournalRecord[] = [];
  let offset = 0;
  while (offset + frameHeader <= data.length) {
    const length = data.readUInt32BE(offset);
    const end = offset + frameHeader + length;
    if (length < 4 || end > data.length) break;
    const payload = data.subarray(offset + frameHeader, end);
    if (crc32(payload) !== data.readUInt32BE(offset + 4)) break;
    const metaLength = payload.readUInt32BE(0);
    if (4 + metaLength > payload.length) break;
    let meta: Record<string, unknown>;
    try {
      meta = JSON.parse(payload.subarray(4, 4 + metaLength).toString('utf8')) as Record<string, unknown>;
    } catch {
      break;
    }
    const raw = Buffer.from(payload.subarray(4 + metaLength));
    if (meta.t === 'enq' || (meta.t === 'upd' && raw.length > 0)) meta.raw = raw;
    if (meta.t === 'sst') meta.state = typeof meta.state === 'string' ? Buffer.from(meta.state, 'base64') : null;
    records.push(meta as unknown as JournalRecord);
    offset = end;
  }
  return { records, validLength: offset };
}
