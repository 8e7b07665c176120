import {
  directConversation,
  ErrorCodes,
  Limits,
  lobby,
  messageRowKey,
  roomConversation,
  roomGroup,
  type Conversation,
  type NotifierCommand,
  type ReadFrame,
  type ReadNoticeFrame,
} from '@parley/contracts';
import { reject, toConnection } from './reject.js';
import type { Decision, EventContext } from './types.js';

/** What the read rule needs, loaded before it runs and frozen in the claim for redeliveries. */
export interface ReadState {
  /** Set for a room: whether it exists, the reader is a member, and its member count (counted up to maxSeenByMembers + 1). */
  readonly room?: { readonly exists: boolean; readonly member: boolean; readonly members: number };
  /** The named message's row key, from its index row; absent: not a message of this conversation. */
  readonly messageRowKey?: string;
  /** The reader's current position (the row key of the last message read); absent: none yet. */
  readonly positionRowKey?: string;
}

export function readConversation(frame: ReadFrame, user: string): Conversation {
  if (frame.room !== undefined) return roomConversation(frame.room);
  if (frame.to !== undefined) return directConversation(user, frame.to);
  return lobby();
}

// Row keys lead with 13 digits of inverted time: messageRowKey(0, '') holds the largest.
const INVERTED_FROM = Number(messageRowKey(0, '').slice(0, 13));
/** The time of the message a row key names (ISO), read back from the key itself. */
export function messageTimeOf(rowKey: string): string {
  return new Date(INVERTED_FROM - Number(rowKey.slice(0, 13))).toISOString();
}

/**
 * Whether the message of row key `a` comes after that of `b` in the conversation's order: a later
 * time (a smaller inverted time), then within one millisecond the greater id (docs/architecture.md).
 */
export function isNewer(a: string, b: string): boolean {
  const [timeA, timeB] = [a.slice(0, 13), b.slice(0, 13)];
  return timeA === timeB ? a.slice(14) > b.slice(14) : timeA < timeB;
}

/**
 * `read`: the reader has read the conversation up to and including `message`. Positions only move
 * forward (isNewer): a message at or before the stored position is accepted and changes nothing (no write, nothing delivered). The
 * position goes to the reader's own connections and, in a direct chat or a room of at most
 * Limits.maxSeenByMembers members, to the others ("seen by"): a room's group holds the reader's
 * connections too.
 */
export function decideRead(frame: ReadFrame, state: ReadState, ctx: EventContext): Decision {
  const { hub, userId } = ctx;
  if (frame.room !== undefined) {
    if (state.room === undefined || !state.room.exists) return reject(ctx, frame.id, ErrorCodes.unknownRoom, frame.room);
    if (!state.room.member) return reject(ctx, frame.id, ErrorCodes.notMember, frame.room);
  }
  if (frame.to === userId) return reject(ctx, frame.id, ErrorCodes.selfMessage);
  if (state.messageRowKey === undefined) {
    const error = { code: ErrorCodes.unknownMessage, message: `message "${frame.message}" is not a message of this conversation` };
    return { writes: [], commands: [toConnection(ctx, { type: 'error', id: frame.id, error })], rejected: error.code };
  }
  if (state.positionRowKey !== undefined && !isNewer(state.messageRowKey, state.positionRowKey)) return { writes: [], commands: [] };

  const at = messageTimeOf(state.messageRowKey);
  const notice: ReadNoticeFrame = { type: 'read', user: userId, message: frame.message, at };
  if (frame.room !== undefined) notice.room = frame.room;
  if (frame.to !== undefined) notice.to = frame.to;
  const conversation = readConversation(frame, userId);
  const write = {
    kind: 'putReadPosition',
    hub,
    conversation,
    user: userId,
    messageId: frame.message,
    messageRowKey: state.messageRowKey,
    at,
    readAt: ctx.receivedAt,
    eventId: ctx.eventId,
  } as const;
  const toOwn: NotifierCommand = { action: 'sendToUser', hub, userId, frame: notice };
  let commands: NotifierCommand[];
  if (frame.room !== undefined) {
    const seenBy = (state.room?.members ?? 0) <= Limits.maxSeenByMembers;
    commands = [seenBy ? { action: 'sendToGroup', hub, group: roomGroup(frame.room), frame: notice } : toOwn];
  } else if (frame.to !== undefined) {
    commands = [{ action: 'sendToUser', hub, userId: frame.to, frame: notice }, toOwn];
  } else {
    commands = [toOwn];
  }
  return { writes: [write], commands };
}
