import { describe, expect, it } from 'vitest';
import { directConversation, ErrorCodes, lobby, messageRowKey, roomConversation, type MessageFrame } from '@parley/contracts';
import { answerHistory, decodeCursor, encodeCursor, MAX_ANSWER_BYTES, planHistory, type HistoryRow } from './history.js';
import { givenEvent } from './test-context.js';

const ctx = givenEvent();

function rows(count: number, text = 'hi'): HistoryRow[] {
  // Newest first, as the table returns them.
  return Array.from({ length: count }, (_, i) => {
    const at = Date.UTC(2025, 0, 1) - i * 1000;
    const id = `01J${String(i).padStart(23, '0')}`;
    const message: MessageFrame = { type: 'message', id, clientId: `c${i}`, from: 'bob', text, at: new Date(at).toISOString() };
    return { rowKey: messageRowKey(at, id), message };
  });
}

describe('planHistory', () => {
  it('given no target, when alice asks, then the lobby is read with the default limit', () => {
    const plan = planHistory({ type: 'history', id: 'c7' }, { kind: 'lobby' }, ctx, 50);
    expect(plan).toEqual({ ok: true, query: { conversation: lobby(), limit: 50 } });
  });

  it('given a room alice is in, when she asks with a limit, then that room is read with her limit', () => {
    const plan = planHistory({ type: 'history', id: 'c7', room: 'dev', limit: 10 }, { kind: 'room', roomExists: true, member: true }, ctx, 50);
    expect(plan).toEqual({ ok: true, query: { conversation: roomConversation('dev'), limit: 10 } });
  });

  it('given "with", when alice asks, then the direct conversation is read whoever wrote first', () => {
    const plan = planHistory({ type: 'history', id: 'c7', with: 'aaron' }, { kind: 'direct' }, ctx, 50);
    expect(plan).toEqual({ ok: true, query: { conversation: directConversation('aaron', 'alice'), limit: 50 } });
  });

  it('given a room alice is not in, when she asks, then PARLEY_NOT_MEMBER', () => {
    const plan = planHistory({ type: 'history', id: 'c7', room: 'dev' }, { kind: 'room', roomExists: true, member: false }, ctx, 50);
    expect(plan.ok).toBe(false);
    if (!plan.ok) expect(plan.decision.rejected).toBe(ErrorCodes.notMember);
  });

  it('given a room that does not exist, when she asks, then PARLEY_UNKNOWN_ROOM', () => {
    const plan = planHistory({ type: 'history', id: 'c7', room: 'nope' }, { kind: 'room', roomExists: false, member: false }, ctx, 50);
    expect(plan.ok).toBe(false);
    if (!plan.ok) {
      expect(plan.decision.rejected).toBe(ErrorCodes.unknownRoom);
      expect(plan.decision.commands[0]).toMatchObject({ action: 'sendToConnection', frame: { type: 'error', id: 'c7' } });
    }
  });

  it('given a cursor from a previous answer, when she asks, then reading continues after that row', () => {
    const rowKey = rows(3)[2]!.rowKey;
    const plan = planHistory({ type: 'history', id: 'c7', before: encodeCursor(rowKey) }, { kind: 'lobby' }, ctx, 50);
    expect(plan).toEqual({ ok: true, query: { conversation: lobby(), afterRowKey: rowKey, limit: 50 } });
  });

  it.each(['not base64!', encodeCursor('garbage'), encodeCursor('0000000000001'), 'AAAA='])(
    'given the cursor %j, when she asks, then PARLEY_BAD_CURSOR',
    (before) => {
      const plan = planHistory({ type: 'history', id: 'c7', before }, { kind: 'lobby' }, ctx, 50);
      expect(plan.ok).toBe(false);
      if (!plan.ok) expect(plan.decision.rejected).toBe(ErrorCodes.badCursor);
    },
  );

  it('given a null cursor, when she asks, then it reads from the newest', () => {
    const plan = planHistory({ type: 'history', id: 'c7', before: null }, { kind: 'lobby' }, ctx, 20);
    expect(plan).toEqual({ ok: true, query: { conversation: lobby(), limit: 20 } });
  });
});

describe('answerHistory', () => {
  const frame = { type: 'history', id: 'c7', room: 'dev' } as const;
  const query = { conversation: roomConversation('dev'), limit: 2 };

  it('given more rows than the limit, when answering, then limit messages newest first and a cursor to the last shown', () => {
    const read = rows(3);
    const decision = answerHistory(frame, query, read, ctx);

    expect(decision.writes).toEqual([]);
    expect(decision.commands).toEqual([
      {
        action: 'sendToConnection',
        hub: 'chat',
        connectionId: 'conn-a1',
        frame: { type: 'history', id: 'c7', room: 'dev', messages: [read[0]!.message, read[1]!.message], next: encodeCursor(read[1]!.rowKey) },
      },
    ]);
    expect(decodeCursor(encodeCursor(read[1]!.rowKey))).toBe(read[1]!.rowKey);
  });

  it('given no more rows than the limit, when answering, then next is null', () => {
    const decision = answerHistory({ type: 'history', id: 'c7', with: 'bob' }, query, rows(2), ctx);
    expect(decision.commands[0]).toMatchObject({ frame: { type: 'history', with: 'bob', next: null } });
  });

  it('given an empty conversation, when answering, then no messages and no cursor', () => {
    const decision = answerHistory({ type: 'history', id: 'c7' }, query, [], ctx);
    expect(decision.commands[0]).toMatchObject({ frame: { type: 'history', id: 'c7', messages: [], next: null } });
  });

  it('given messages too large for one bus message, when answering, then it stops early under the byte budget and the cursor continues there', () => {
    const read = rows(101, 'x'.repeat(4000));
    const decision = answerHistory(frame, { ...query, limit: 100 }, read, ctx);
    const answer = (decision.commands[0] as { frame: { messages: MessageFrame[]; next: string | null } }).frame;

    expect(answer.messages.length).toBeGreaterThan(0);
    expect(answer.messages.length).toBeLessThan(100);
    expect(Buffer.byteLength(JSON.stringify(decision.commands[0]))).toBeLessThanOrEqual(MAX_ANSWER_BYTES);
    expect(answer.next).toBe(encodeCursor(read[answer.messages.length - 1]!.rowKey));
  });
});
