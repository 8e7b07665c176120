import { describe, expect, it } from 'vitest';
import { countScaling, dmConversation, roomConversation, type SentMessage, type ShownMessage, type StoredMessage } from './scaling-ledger.js';

const room = roomConversation('r');
const members = new Map([[room, ['ann', 'ben']]]);
const sent = (clientId: string, sentAt: number, sender = 'ann'): SentMessage => ({ sender, clientId, conversation: room, sentAt, ackedAt: sentAt + 5 });
const stored = (clientId: string, sender = 'ann'): StoredMessage => ({ serverId: `s-${sender}-${clientId}`, from: sender, clientId });
/** When each message was stamped: its send time in `base.sent`. */
const stamps: Record<string, number> = { '1': 100, '2': 200, x: 250 };
const shown = (member: string, clientId: string, at: number, sender = 'ann', serverId = `s-${sender}-${clientId}`): ShownMessage => ({
  member,
  conversation: room,
  serverId,
  from: sender,
  clientId,
  at,
  stampedAt: stamps[clientId] ?? 0,
});

describe('countScaling', () => {
  const base = {
    sent: [sent('1', 100), sent('2', 200), sent('x', 250, 'ben')],
    stored: new Map([[room, [stored('1'), stored('2'), stored('x', 'ben')]]]),
    members,
    events: [{ name: 'workers 1 → 3', from: 150, to: 260 }],
  };
  const allShown = ['ann', 'ben'].flatMap((m) => [shown(m, '1', 130), shown(m, '2', 400), shown(m, 'x', 300, 'ben')]);

  it('finds nothing wrong in a clean run, and reports the longest delay of a message sent during the event', () => {
    const counts = countScaling({ ...base, shown: allShown });
    expect(counts).toMatchObject({ acked: 3, lost: [], duplicated: [], outOfOrder: [], redeliveries: 0 });
    expect(counts.longestDelayMs).toEqual([{ event: 'workers 1 → 3', messages: 2, longestDelayMs: 200 }]);
  });

  it('counts an acked message not stored, and one a member never saw, as lost', () => {
    const counts = countScaling({ ...base, stored: new Map([[room, [stored('1'), stored('x', 'ben')]]]), shown: allShown.filter((m) => !(m.member === 'ben' && m.clientId === '1')) });
    expect(counts.lost).toEqual(['ben: room:r ann/1 acked, not shown live', 'room:r: ann/2 acked, not stored']);
  });

  it('counts a second stored row and a second server id as duplicates, the same id twice as a redelivery', () => {
    const counts = countScaling({
      ...base,
      stored: new Map([[room, [stored('1'), stored('2'), { ...stored('2'), serverId: 's-again' }, stored('x', 'ben')]]]),
      shown: [...allShown, shown('ann', '2', 500, 'ann', 's-again'), shown('ben', '1', 600)],
    });
    expect(counts.duplicated).toEqual(['room:r: ann/2 stored 2 times', 'ann saw room:r ann/2 under 2 server ids']);
    expect(counts.redeliveries).toBe(1);
  });

  it('places two senders\' messages by their time, as the page does, whichever arrived first', () => {
    const xFirst = ['ann', 'ben'].flatMap((m) => [shown(m, 'x', 120, 'ben'), shown(m, '1', 130), shown(m, '2', 400)]);
    expect(countScaling({ ...base, shown: xFirst }).outOfOrder).toEqual([]);
  });

  it('finds a sender\'s messages arriving out of send order, a stored order the page would not show, and stored order against send order', () => {
    const twoBeforeOne = ['ann', 'ben'].flatMap((m) => [shown(m, '2', 130), shown(m, '1', 140), shown(m, 'x', 300, 'ben')]);
    expect(countScaling({ ...base, shown: [...twoBeforeOne.slice(0, 3), ...allShown.slice(3)] }).outOfOrder).toEqual(['ann got room:r ann/1 live after a later message of ann']);
    const storedAgainstTime = new Map([[room, [stored('1'), stored('x', 'ben'), stored('2')]]]);
    expect(countScaling({ ...base, stored: storedAgainstTime, shown: allShown }).outOfOrder).toEqual([
      'ann saw room:r out of stored order at position 1: shown ann/2 where stored has ben/x',
      'ben saw room:r out of stored order at position 1: shown ann/2 where stored has ben/x',
    ]);
    const storedBackwards = new Map([[room, [stored('2'), stored('1'), stored('x', 'ben')]]]);
    const backwards = ['ann', 'ben'].flatMap((m) => [shown(m, '2', 400), shown(m, '1', 130), shown(m, 'x', 300, 'ben')]);
    expect(countScaling({ ...base, stored: storedBackwards, shown: backwards }).outOfOrder).toEqual([
      'room:r: ann/1 stored after a later message of ann',
      'ann got room:r ann/1 live after a later message of ann',
      'ann saw room:r out of stored order at position 0: shown ann/1 where stored has ann/2',
      'ben got room:r ann/1 live after a later message of ann',
      'ben saw room:r out of stored order at position 0: shown ann/1 where stored has ann/2',
    ]);
  });

  it('names a direct conversation the same from either side', () => {
    expect(dmConversation('b', 'a')).toBe(dmConversation('a', 'b'));
  });
});
