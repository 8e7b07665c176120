import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lobby, roomConversation, Tables, type MessageFrame } from '@parley/contracts';
import { startAzurite, startTables, type StandIn } from '@parley/testkit';
import type { FrameCommit } from './chat-store.js';
import { TableChatStore } from './table-store.js';

const hub = 'chat';

function message(user: string, i: number, room?: string): MessageFrame {
  const at = new Date(Date.UTC(2025, 0, 1, 0, 0, i)).toISOString();
  return { type: 'message', id: `01JCMT${String(i).padStart(20, '0')}`, clientId: `${user}-${i}`, from: user, text: `${user} ${i}`, at, ...(room ? { room } : {}) };
}

/** A plain send's commit, as the worker builds it: the claim and the message in the conversation's partition. */
function send(user: string, i: number, room?: string): FrameCommit {
  const conversation = room ? roomConversation(room) : lobby();
  return {
    hub,
    conversation,
    user,
    clientId: `${user}-${i}`,
    claim: { eventId: `E-${user}-${i}` },
    writes: [{ kind: 'putMessage', hub, conversation, message: message(user, i, room) }],
    members: room ? [user] : [],
  };
}

/**
 * Commits of different sessions to one conversation in the same turn share one transaction when
 * they fit; when the shared one fails, each commit learns its own outcome alone.
 */
describe.each([
  ['emulators/tables', startTables],
  ['Azurite', startAzurite],
] as const)('conversation commits against %s', (_name, startService) => {
  let service: StandIn;
  let root: TableChatStore;
  const transactions: number[] = [];
  /** One store view per commit, as the worker has one per event; each counts its share of the transactions. */
  const views = (count: number) =>
    Array.from({ length: count }, () =>
      root.forEvent((table, operation, share) => {
        if (table === Tables.messages && operation === 'transaction') transactions.push(share ?? 1);
      }),
    );
  const texts = async (conversation: FrameCommit['conversation']) => (await root.readHistory(hub, { conversation, limit: 100 })).map((row) => row.message.text).sort();

  beforeAll(async () => {
    service = await startService();
    root = new TableChatStore({ kind: 'connectionString', connectionString: service.connectionString });
    await root.init();
  });
  afterAll(async () => {
    await service?.stop();
  });

  it('commits twenty senders’ lobby messages of one turn in one transaction', async () => {
    transactions.length = 0;
    const commits = Array.from({ length: 20 }, (_, i) => send(`user${i}`, i));
    const outcomes = await Promise.all(views(20).map((view, i) => view.commitFrame(commits[i]!)));
    expect(outcomes).toEqual(commits.map(() => ({ kind: 'committed' })));
    expect(transactions.reduce((sum, share) => sum + share, 0)).toBeCloseTo(1);
    expect(await texts(lobby())).toEqual(commits.map((commit) => `${commit.user} ${commit.clientId.split('-')[1]}`).sort());
  });

  it('a resend and a sender who is no member in the group: they alone are held and stale, the others commit', async () => {
    const room = 'busy';
    await root.apply(['ann', 'ben', 'cat'].map((user) => ({ kind: 'putMember', hub, room, user, joinedAt: '2025-01-01T00:00:00.000Z', eventId: `J-${user}` }) as const));
    // ann's frame 1 was stored by an earlier event: the same client id again is a resend.
    const earlier = send('ann', 101, room);
    expect(await root.commitFrame(earlier)).toEqual({ kind: 'committed' });
    const resend = { ...send('ann', 101, room), claim: { eventId: 'E-another-event' } };
    const group = [send('ben', 102, room), resend, send('dan', 103, room), send('cat', 104, room)];
    transactions.length = 0;
    const outcomes = await Promise.all(views(group.length).map((view, i) => view.commitFrame(group[i]!)));
    expect(outcomes).toEqual([{ kind: 'committed' }, { kind: 'held', claim: earlier.claim }, { kind: 'stale' }, { kind: 'committed' }]);
    // The shared attempt failed as a whole, then each went alone.
    expect(transactions.reduce((sum, share) => sum + share, 0)).toBeCloseTo(1 + group.length);
    expect(await texts(roomConversation(room))).toEqual(['ann 101', 'ben 102', 'cat 104']);
  });

  it('keeps each transaction within 100 operations', async () => {
    transactions.length = 0;
    // 40 commits of 3 operations each (claim, message, index row): 33 fit in one transaction, the rest in a second.
    const commits = Array.from({ length: 40 }, (_, i) => send(`many${i}`, 200 + i));
    const outcomes = await Promise.all(views(40).map((view, i) => view.commitFrame(commits[i]!)));
    expect(outcomes).toEqual(commits.map(() => ({ kind: 'committed' })));
    expect(transactions.reduce((sum, share) => sum + share, 0)).toBeCloseTo(2);
  });

  it('never puts one row twice in a transaction: the second commit of a row goes after the first', async () => {
    transactions.length = 0;
    const commits = Array.from({ length: 3 }, (_, i) => send(`twice${i}`, 300 + i));
    // The same user and client id again in the same turn (another event): the same claim row.
    const again = { ...send('twice0', 300), claim: { eventId: 'E-again' } };
    const outcomes = await Promise.all(views(4).map((view, i) => view.commitFrame(i < 3 ? commits[i]! : again)));
    expect(outcomes).toEqual([...commits.map(() => ({ kind: 'committed' })), { kind: 'held', claim: commits[0]!.claim }]);
    // The three together, then the fourth alone.
    expect(transactions.reduce((sum, share) => sum + share, 0)).toBeCloseTo(2);
  });
});
