import { describe, expect, it } from 'vitest';
import { decodeJournal, encodeRecord } from './encoding.js';
import { RecoveredState } from './restore.js';
import type { JournalRecord } from './records.js';

const records: JournalRecord[] = [
  { t: 'enq', entity: 'q', stores: ['q'], seq: 1, at: 10, dc: 0, state: 'active', raw: Buffer.from('one'), dup: 's:a' },
  { t: 'enq', entity: 'q', stores: ['q'], seq: 2, at: 11, dc: 0, state: 'scheduled', raw: Buffer.from('two') },
  { t: 'upd', store: 'q', seq: 1, dc: 2, state: 'deferred' },
  { t: 'sst', store: 'q', sid: 'S', state: Buffer.from('state') },
  { t: 'del', store: 'q', seq: 2 },
];

describe('journal records', () => {
  it('round-trip and replay into the final state', () => {
    const data = Buffer.concat(records.map(encodeRecord));
    const decoded = decodeJournal(data);
    expect(decoded.validLength).toBe(data.length);
    const state = new RecoveredState();
    for (const r of decoded.records) state.apply(r);
    expect([...(state.stores.get('q')?.entries() ?? [])]).toEqual([[1, { raw: Buffer.from('one'), at: 10, dc: 2, state: 'deferred', dls: undefined }]]);
    expect(state.nextSeq.get('q')).toBe(3);
    expect(state.sessionStates.get('q')?.get('S')).toEqual(Buffer.from('state'));
    expect(state.duplicates.get('q')?.get('s:a')).toBe(10);
  });

  it('stops at a torn or corrupt tail', () => {
    const whole = Buffer.concat(records.slice(0, 2).map(encodeRecord));
    const torn = whole.subarray(0, whole.length - 3);
    expect(decodeJournal(torn).records).toHaveLength(1);
    const corrupt = Buffer.from(whole);
    corrupt.writeUInt8((corrupt.at(-1) ?? 0) ^ 0xff, corrupt.length - 1);
    const result = decodeJournal(corrupt);
    expect(result.records).toHaveLength(1);
    expect(result.validLength).toBe(encodeRecord(records[0] as JournalRecord).length);
  });
});
