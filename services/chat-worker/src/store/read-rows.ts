import { odata } from '@azure/data-tables';
import {
  conversationKey,
  CONVERSATION_META_FROM,
  directConversation,
  Limits,
  lobby,
  messageIndexKeys,
  messageRowKey,
  memberOfRowKey,
  readPositionKeys,
  roomConversation,
  roomMemberKeys,
  ROOM_MEMBER_RANGE,
  Tables,
  type Conversation,
  type UnreadCount,
} from '@parley/contracts';
import { isNewer, type ProjectionWrite } from '../rules/index.js';
import type { RowChange } from './entities.js';

type Row = Record<string, unknown>;
/** A query of the `messages` table: rows of a filter in key order, at most `top` when given. */
export type MessagesQuery = (filter: string, select?: string[], top?: number) => Promise<Row[]>;

/** Unread messages are counted up to this many per conversation (the page shows "99+"). */
export const UNREAD_COUNT_LIMIT = 100;
/** At most this many direct chats are counted at connect (by the other user's id): two reads each. */
export const DIRECT_CHATS_COUNTED = 100;

/** The read position row of putReadPosition: in the conversation's partition, so it commits with the read's claim. */
export function readPositionChange(write: Extract<ProjectionWrite, { kind: 'putReadPosition' }>): RowChange {
  const entity = {
    ...readPositionKeys(write.hub, write.conversation, write.user),
    user: write.user,
    messageId: write.messageId,
    messageRowKey: write.messageRowKey,
    at: write.at,
    readAt: write.readAt,
    eventId: write.eventId,
  };
  return { op: 'upsert', table: Tables.messages, entity };
}

/** The named message's row key (absent: not a message of the conversation) and the user's read position, in one query. */
export async function readPositionAndMessage(
  query: MessagesQuery,
  hub: string,
  conversation: Conversation,
  user: string,
  messageId: string,
): Promise<{ messageRowKey?: string; positionRowKey?: string }> {
  const index = messageIndexKeys(hub, conversation, messageId);
  const position = readPositionKeys(hub, conversation, user);
  const rows = await query(odata`PartitionKey eq ${index.partitionKey} and (RowKey eq ${index.rowKey} or RowKey eq ${position.rowKey})`, [
    'RowKey',
    'messageRowKey',
  ]);
  const keyOf = (rowKey: string) => {
    const value = rows.find((row) => row.rowKey === rowKey)?.messageRowKey;
    return typeof value === 'string' ? value : undefined;
  };
  const found = { messageRowKey: keyOf(index.rowKey), positionRowKey: keyOf(position.rowKey) };
  return Object.fromEntries(Object.entries(found).filter(([, value]) => value !== undefined));
}

/** A room's members (user ids), the first `upTo` of them when given, in one range query of keys. */
export async function roomMemberIds(query: MessagesQuery, hub: string, room: string, upTo?: number): Promise<string[]> {
  const partitionKey = conversationKey(hub, roomConversation(room));
  const filter = odata`PartitionKey eq ${partitionKey} and RowKey ge ${ROOM_MEMBER_RANGE.from} and RowKey lt ${ROOM_MEMBER_RANGE.to}`;
  return (await query(filter, ['RowKey'], upTo)).flatMap((row) => memberOfRowKey(String(row.rowKey)) ?? []);
}

/**
 * Unread counts at connect: for the lobby, each of the user's rooms and up to DIRECT_CHATS_COUNTED
 * direct chats, the messages after the user's read position — or, without one, in a room after
 * the user joined it, in the lobby and a direct chat all — counted up to UNREAD_COUNT_LIMIT by a
 * bounded range query of keys (and who sent it, whether it is deleted, whom it mentions), leaving
 * out the user's own messages. Two round trips per conversation (the position with the member
 * row, then the range), all conversations at once. A direct chat is listed even with nothing
 * unread, so every device shows the user's direct chats.
 */
export async function unreadCounts(query: MessagesQuery, hub: string, user: string, rooms: readonly string[], directChats: readonly string[] = []): Promise<UnreadCount[]> {
  const conversations: Array<{ readonly room?: string; readonly peer?: string; readonly conversation: Conversation }> = [
    { conversation: lobby() },
    ...rooms.map((room) => ({ room, conversation: roomConversation(room) })),
    ...directChats.slice(0, DIRECT_CHATS_COUNTED).map((peer) => ({ peer, conversation: directConversation(user, peer) })),
  ];
  const counted = await Promise.all(
    conversations.map(async ({ room, peer, conversation }): Promise<UnreadCount | undefined> => {
      const position = readPositionKeys(hub, conversation, user);
      const member = room === undefined ? undefined : roomMemberKeys(hub, room, user);
      const marks = await query(
        member === undefined
          ? odata`PartitionKey eq ${position.partitionKey} and RowKey eq ${position.rowKey}`
          : odata`PartitionKey eq ${position.partitionKey} and (RowKey eq ${position.rowKey} or RowKey eq ${member.rowKey})`,
        ['RowKey', 'messageRowKey', 'messageId', 'joinedAt'],
      );
      const read = marks.find((row) => row.rowKey === position.rowKey);
      const joinedAt = marks.find((row) => row.rowKey === member?.rowKey)?.joinedAt;
      // Newer messages have smaller row keys. A bound of a time alone (`<inverted time>_`) sorts before
      // that time's messages; one of a position's time with `~` after every id of that millisecond,
      // of which only those with a greater id than the position's are newer (isNewer).
      const positionKey = typeof read?.messageRowKey === 'string' ? read.messageRowKey : undefined;
      const bound =
        positionKey !== undefined
          ? `${positionKey.slice(0, 14)}~`
          : typeof joinedAt === 'string'
            ? messageRowKey(Date.parse(joinedAt), '')
            : CONVERSATION_META_FROM;
      const rows = await query(odata`PartitionKey eq ${position.partitionKey} and RowKey lt ${bound}`, ['RowKey', 'from', 'deleted', 'mentions'], UNREAD_COUNT_LIMIT);
      const unread = rows.filter(
        (row) => row.from !== user && row.deleted !== true && (positionKey === undefined || isNewer(String(row.rowKey), positionKey)),
      );
      const mentions = unread.filter((row) => typeof row.mentions === 'string' && mentionsUser(row.mentions, user)).length;
      if (unread.length === 0 && read === undefined && peer === undefined) return undefined;
      const count: UnreadCount = { count: unread.length, mentions };
      if (room !== undefined) count.room = room;
      if (peer !== undefined) count.with = peer;
      if (typeof read?.messageId === 'string') count.lastRead = read.messageId;
      return count;
    }),
  );
  return counted.filter((count): count is UnreadCount => count !== undefined);
}

function mentionsUser(json: string, user: string): boolean {
  try {
    const users: unknown = JSON.parse(json);
    return Array.isArray(users) && users.includes(user);
  } catch {
    return false;
  }
}

/** "Seen by" reaches a room only up to this many members: counting one more tells a bigger room apart. */
export const SEEN_BY_COUNT = Limits.maxSeenByMembers + 1;
