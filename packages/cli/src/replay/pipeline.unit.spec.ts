import { describe, expect, it } from 'vitest';
import type { ServiceBusMessage } from '@azure/service-bus';
import { parseRange } from '../range.js';
import { eventFactory, eventRow } from '../testing/events.js';
import { ReplayPipeline } from './pipeline.js';
import { groupBySession } from './send.js';

describe('ReplayPipeline (dry run: the filtering rules)', () => {
  const make = eventFactory();
  const rows = [
    make({ kind: 'connected', connectionId: 'a', userId: 'alice', at: new Date('2025-01-01T09:59:59Z') }),
    make({ kind: 'connected', connectionId: 'b', userId: 'bob', at: new Date('2025-01-01T10:00:00Z') }),
    make({ kind: 'message', connectionId: 'b', userId: 'bob', at: new Date('2025-01-01T10:30:00Z') }),
    make({ kind: 'message', connectionId: 'b', userId: 'bob', at: new Date('2025-01-01T10:40:00Z'), hub: 'other' }),
    make({ kind: 'disconnected', connectionId: 'b', userId: 'bob', at: new Date('2025-01-01T11:00:00Z') }),
  ].map(eventRow);

  it('counts rows in range and hub as read, other types as skipped', async () => {
    const skips: string[] = [];
    const pipeline = new ReplayPipeline({
      sender: undefined,
      runId: 'R',
      notify: false,
      partitions: 8,
      hub: 'chat',
      range: parseRange('2025-01-01T10:00Z', '2025-01-01T11:00Z', false),
      types: new Set(['chat.message']),
      onSkip: (reason) => skips.push(reason),
    });
    for (const row of rows) await pipeline.add(row);
    await pipeline.flush();
    expect(pipeline.stats).toEqual({ read: 2, sent: 0, skipped: 1, wouldSend: 1 });
    expect(skips).toEqual([]);
  });

  it('skips a broken envelope with a reason', async () => {
    const skips: string[] = [];
    const pipeline = new ReplayPipeline({ sender: undefined, runId: 'R', notify: false, partitions: 8, onSkip: (reason) => skips.push(reason) });
    await pipeline.add({ ...rows[1]!, envelope: 'not json' });
    await pipeline.add(rows[2]!);
    expect(pipeline.stats).toEqual({ read: 2, sent: 0, skipped: 1, wouldSend: 1 });
    expect(skips).toHaveLength(1);
    expect(skips[0]).toContain(rows[1]!.rowKey);
  });
});

describe('groupBySession', () => {
  it('keeps the order within each session', () => {
    const m = (id: string, sessionId: string): ServiceBusMessage => ({ body: id, messageId: id, sessionId });
    const groups = groupBySession([m('1', 'p-01'), m('2', 'p-02'), m('3', 'p-01'), m('4', 'p-02'), m('5', 'p-03')]);
    expect(groups.map((group) => group.map((message) => message.messageId))).toEqual([['1', '3'], ['2', '4'], ['5']]);
  });
});
