import { describe, expect, it } from 'vitest';
import { countLosses, emptyCounts, totalLosses, type LedgerInput } from './loss-ledger.js';

const base: LedgerInput = {
  frames: [],
  live: [],
  epochs: [
    { member: 'a', from: 0 },
    { member: 'b', from: 0 },
  ],
  members: ['a', 'b'],
  stored: new Map(),
  windows: [
    { name: 'gateway', from: 0, to: 100 },
    { name: 'notifier', from: 100, to: 200 },
  ],
  liveGraceMs: 50,
  endedAt: 1_000,
  senderFaults: new Set(['PARLEY_RATE_LIMITED']),
};

describe('countLosses', () => {
  it('counts nothing for a message stored once and shown once to everyone', () => {
    const rows = countLosses({
      ...base,
      frames: [{ key: 'a/1', sentAt: 10, ackedAt: 20 }],
      live: [
        { member: 'a', key: 'a/1', serverId: 'E1' },
        { member: 'b', key: 'a/1', serverId: 'E1' },
      ],
      stored: new Map([['a/1', 1]]),
    });
    expect(rows.get('gateway')).toEqual({ ...emptyCounts(), acked: 1 });
    expect(rows.get('notifier')).toEqual(emptyCounts());
  });

  it('counts a message shown live but missing from history (the storage-only count missed this)', () => {
    const rows = countLosses({
      ...base,
      frames: [{ key: 'a/1', sentAt: 110, ackedAt: 120 }],
      live: ['a', 'b'].map((member) => ({ member, key: 'a/1', serverId: 'E1' })),
    });
    expect(rows.get('notifier')).toMatchObject({ acked: 1, missingFromHistory: 1, missedLive: 0 });
  });

  it('counts a missed live delivery only for a member connected from the send until the grace after the ack', () => {
    const rows = countLosses({
      ...base,
      frames: [{ key: 'a/1', sentAt: 10, ackedAt: 20 }],
      // b's connection dropped 30 ms after the ack: it catches up from history, not a live loss.
      epochs: [
        { member: 'a', from: 0 },
        { member: 'b', from: 0, to: 50 },
        { member: 'b', from: 60 },
      ],
      stored: new Map([['a/1', 1]]),
    });
    expect(rows.get('gateway')).toMatchObject({ missedLive: 1 });
  });

  it('counts two events for one (user, id) as a duplicate, and a same-id redelivery only as a figure', () => {
    const rows = countLosses({
      ...base,
      frames: [
        { key: 'a/1', sentAt: 10, ackedAt: 20 },
        { key: 'a/2', sentAt: 11, ackedAt: 21 },
        { key: 'a/3', sentAt: 12, ackedAt: 22 },
      ],
      live: [
        ...['a', 'b'].map((member) => ({ member, key: 'a/1', serverId: 'E1' })),
        { member: 'b', key: 'a/1', serverId: 'E9' },
        ...['a', 'b', 'b'].map((member) => ({ member, key: 'a/2', serverId: 'E2' })),
        ...['a', 'b'].map((member) => ({ member, key: 'a/3', serverId: 'E3' })),
      ],
      stored: new Map([
        ['a/1', 1],
        ['a/2', 1],
        ['a/3', 2],
      ]),
    });
    expect(rows.get('gateway')).toMatchObject({ acked: 3, duplicates: 2, redeliveries: 1 });
  });

  it("counts refusals that are not the sender's fault, acked or not, and leaves its own pace alone", () => {
    const rows = countLosses({
      ...base,
      frames: [
        { key: 'a/1', sentAt: 10, refusedWith: 'PARLEY_FRAME_INVALID' },
        { key: 'a/2', sentAt: 11, refusedWith: 'PARLEY_RATE_LIMITED' },
        { key: 'a/3', sentAt: 12, ackedAt: 13, refusedWith: 'PARLEY_NOT_MEMBER' },
      ],
      live: [],
      stored: new Map([['a/3', 1]]),
    });
    const gateway = rows.get('gateway')!;
    expect(gateway).toMatchObject({ acked: 1, refusedNotSenderFault: 2 });
    expect(totalLosses(gateway)).toBe(2 + 2); // a/3 was also never shown live to a or b
  });
});
