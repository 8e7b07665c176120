import {
  directConversation,
  ErrorCodes,
  Limits,
  lobby,
  roomConversation,
  type Conversation,
  type HistoryAnswerFrame,
  type HistoryFrame,
  type MessageFrame,
} from '@parley/contracts';
import { reject, toConnection } from './reject.js';
import type { Decision, EventContext } from './types.js';

export type HistoryState =
  | { readonly kind: 'lobby' }
  | { readonly kind: 'room'; readonly roomExists: boolean; readonly member: boolean; readonly private?: boolean }
  | { readonly kind: 'direct' };

/** What to read: rows of one conversation after a row key (rows sort newest first). */
export interface HistoryQuery {
  readonly conversation: Conversation;
  readonly afterRowKey?: string;
  readonly limit: number;
}

export interface HistoryRow {
  readonly rowKey: string;
  readonly message: MessageFrame;
}

/** The answer is one bus message and one WebSocket frame: keep it well under Service Bus's 256 KB. */
export const MAX_ANSWER_BYTES = 192 * 1024;

const ROW_KEY = /^\d{13}_\S{1,128}$/;

/** The cursor is the last row key shown, opaque to clients. */
export function encodeCursor(rowKey: string): string {
  return Buffer.from(rowKey, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): string | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
  const rowKey = Buffer.from(cursor, 'base64url').toString('utf8');
  return ROW_KEY.test(rowKey) && encodeCursor(rowKey) === cursor ? rowKey : undefined;
}

export type HistoryPlan = { readonly ok: true; readonly query: HistoryQuery } | { readonly ok: false; readonly decision: Decision };

/** Checks who may read what and turns the request into a query. Rooms are for members only. */
export function planHistory(frame: HistoryFrame, state: HistoryState, ctx: EventContext, defaultLimit: number): HistoryPlan {
  const refuse = (decision: Decision): HistoryPlan => ({ ok: false, decision });
  let conversation: Conversation;
  if (frame.room !== undefined) {
    if (state.kind !== 'room' || !state.roomExists) return refuse(reject(ctx, frame.id, ErrorCodes.unknownRoom, frame.room));
    if (!state.member) return refuse(reject(ctx, frame.id, state.private === true ? ErrorCodes.roomPrivate : ErrorCodes.notMember, frame.room));
    conversation = roomConversation(frame.room);
  } else if (frame.with !== undefined) {
    conversation = directConversation(ctx.userId, frame.with);
  } else {
    conversation = lobby();
  }
  const limit = Math.min(frame.limit ?? defaultLimit, Limits.maxHistoryLimit);
  if (frame.before === undefined || frame.before === null) return { ok: true, query: { conversation, limit } };
  const afterRowKey = decodeCursor(frame.before);
  if (afterRowKey === undefined) return refuse(reject(ctx, frame.id, ErrorCodes.badCursor));
  return { ok: true, query: { conversation, afterRowKey, limit } };
}

/**
 * The `history` frame for the rows read (up to limit + 1, newest first): the
 * extra row only tells that there is more. Stops early if the frame would grow
 * past MAX_ANSWER_BYTES; `next` then continues from the last message shown.
 */
export function answerHistory(frame: HistoryFrame, query: HistoryQuery, rows: readonly HistoryRow[], ctx: EventContext): Decision {
  const shown: HistoryRow[] = [];
  let bytes = 256;
  for (const row of rows.slice(0, query.limit)) {
    const size = Buffer.byteLength(JSON.stringify(row.message), 'utf8') + 1;
    if (shown.length > 0 && bytes + size > MAX_ANSWER_BYTES) break;
    shown.push(row);
    bytes += size;
  }
  const more = shown.length < rows.length;
  const last = shown.at(-1);
  const answer: HistoryAnswerFrame = {
    type: 'history',
    id: frame.id,
    messages: shown.map((row) => row.message),
    next: more && last ? encodeCursor(last.rowKey) : null,
  };
  if (frame.room !== undefined) answer.room = frame.room;
  if (frame.with !== undefined) answer.with = frame.with;
  return { writes: [], commands: [toConnection(ctx, answer)] };
}
