import { odata, type TableEntityResult } from '@azure/data-tables';
import {
  conversationKey,
  directoryKeys,
  keyPart,
  presenceKeys,
  roomBanKeys,
  roomConversation,
  roomInfoKeys,
  roomMemberKeys,
  roomMuteKeys,
  roomVoiceKeys,
  ROOM_BAN_RANGE,
  ROOM_MEMBER_RANGE,
  Tables,
  type RoomVisibility,
} from '@parley/contracts';
import type { DirectoryQuery, DirectoryRow, MemberRow } from '../rules/index.js';
import type { TableName } from './entities.js';
import { keyPrefixEnd } from './moderation-rows.js';
import { visibilityOf } from './room-rows.js';

type Row = Record<string, unknown>;

/** The table reads a store offers; the table store's own, so each is counted and heals a missing table. */
export interface RowReader {
  get(table: TableName, partitionKey: string, rowKey: string): Promise<TableEntityResult<Row> | undefined>;
  query(table: TableName, filter: string, select?: string[], top?: number): Promise<TableEntityResult<Row>[]>;
}

/** A room's own row as the members and moderation rules read it, with the ETag its next change is conditional on. */
export interface RoomRowRead {
  readonly visibility: RoomVisibility;
  readonly createdBy?: string;
  /** Absent on a row written before rooms were counted. */
  readonly members?: number;
  readonly etag: string;
}

export interface PresenceRead {
  readonly online: boolean;
  readonly name?: string;
}

/** The reads of members, moderation and the directory (the port: ChatStore extends it). */
export interface RoomReads {
  roomRow(hub: string, room: string): Promise<RoomRowRead | undefined>;
  memberRow(hub: string, room: string, user: string): Promise<MemberRow | undefined>;
  hasVoice(hub: string, room: string, user: string): Promise<boolean>;
  isBanned(hub: string, room: string, user: string): Promise<boolean>;
  /** The end of the user's last mute in the room (past when it ended), from its mute row. */
  mutedUntil(hub: string, room: string, user: string): Promise<string | undefined>;
  /** Every member row of the room, counted (for a room row older than counts). */
  countMembers(hub: string, room: string): Promise<number>;
  /** The first `limit` members by key, with their rows. */
  roomMembers(hub: string, room: string, limit: number): Promise<Array<{ readonly user: string; readonly row: MemberRow }>>;
  roomBans(hub: string, room: string, limit: number): Promise<string[]>;
  /** Presence and display name of each user (point reads, a bounded number at a time). */
  presenceOf(hub: string, users: readonly string[]): Promise<Map<string, PresenceRead>>;
  /** Up to `limit + 1` public rooms with members, in key order, whose name starts with the prefix, after `after`. */
  directoryPage(hub: string, query: DirectoryQuery): Promise<DirectoryRow[]>;
}

/** Presence rows read at once for a members answer: bounded, so one big room does not flood the table service. */
const PRESENCE_READS_AT_ONCE = 32;

export function memberRowOf(row: Row): MemberRow {
  return {
    joinedAt: String(row.joinedAt),
    eventId: String(row.eventId),
    ...(row.private === true ? { private: true as const } : {}),
    ...(row.role === 'moderator' ? { role: 'moderator' as const } : {}),
    ...(typeof row.mutedUntil === 'string' ? { mutedUntil: row.mutedUntil } : {}),
  };
}

export class RoomRows implements RoomReads {
  constructor(private readonly reader: RowReader) {}

  async roomRow(hub: string, room: string): Promise<RoomRowRead | undefined> {
    const keys = roomInfoKeys(hub, room);
    const row = await this.reader.get(Tables.messages, keys.partitionKey, keys.rowKey);
    if (row === undefined) return undefined;
    return {
      visibility: visibilityOf(row)!,
      ...(typeof row.createdBy === 'string' ? { createdBy: row.createdBy } : {}),
      ...(typeof row.members === 'number' ? { members: row.members } : {}),
      etag: String(row.etag),
    };
  }

  async memberRow(hub: string, room: string, user: string): Promise<MemberRow | undefined> {
    const keys = roomMemberKeys(hub, room, user);
    const row = await this.reader.get(Tables.messages, keys.partitionKey, keys.rowKey);
    return row === undefined ? undefined : memberRowOf(row);
  }

  async hasVoice(hub: string, room: string, user: string): Promise<boolean> {
    const keys = roomVoiceKeys(hub, room, user);
    return (await this.reader.get(Tables.messages, keys.partitionKey, keys.rowKey)) !== undefined;
  }

  async isBanned(hub: string, room: string, user: string): Promise<boolean> {
    const keys = roomBanKeys(hub, room, user);
    return (await this.reader.get(Tables.messages, keys.partitionKey, keys.rowKey)) !== undefined;
  }

  async mutedUntil(hub: string, room: string, user: string): Promise<string | undefined> {
    const keys = roomMuteKeys(hub, room, user);
    const row = await this.reader.get(Tables.messages, keys.partitionKey, keys.rowKey);
    return typeof row?.mutedUntil === 'string' ? row.mutedUntil : undefined;
  }

  async countMembers(hub: string, room: string): Promise<number> {
    return (await this.memberRows(hub, room, ['RowKey'])).length;
  }

  async roomMembers(hub: string, room: string, limit: number): Promise<Array<{ user: string; row: MemberRow }>> {
    const rows = await this.memberRows(hub, room, ['user', 'joinedAt', 'eventId', 'private', 'role', 'mutedUntil'], limit);
    return rows.map((row) => ({ user: String(row.user), row: memberRowOf(row) }));
  }

  async roomBans(hub: string, room: string, limit: number): Promise<string[]> {
    const partitionKey = conversationKey(hub, roomConversation(room));
    const filter = odata`PartitionKey eq ${partitionKey} and RowKey ge ${ROOM_BAN_RANGE.from} and RowKey lt ${ROOM_BAN_RANGE.to}`;
    return (await this.reader.query(Tables.messages, filter, ['user'], limit)).map((row) => String(row.user));
  }

  async presenceOf(hub: string, users: readonly string[]): Promise<Map<string, PresenceRead>> {
    const found = new Map<string, PresenceRead>();
    for (let from = 0; from < users.length; from += PRESENCE_READS_AT_ONCE) {
      await Promise.all(
        users.slice(from, from + PRESENCE_READS_AT_ONCE).map(async (user) => {
          const keys = presenceKeys(hub, user);
          const row = await this.reader.get(Tables.presence, keys.partitionKey, keys.rowKey);
          found.set(user, { online: row?.online === true, ...(typeof row?.name === 'string' ? { name: row.name } : {}) });
        }),
      );
    }
    return found;
  }

  async directoryPage(hub: string, query: DirectoryQuery): Promise<DirectoryRow[]> {
    const { partitionKey } = directoryKeys(hub, '');
    const from = keyPart(query.prefix);
    const to = keyPrefixEnd(from);
    let filter = odata`PartitionKey eq ${partitionKey} and RowKey ge ${from} and members gt ${0}`;
    if (to !== undefined) filter += ` and ${odata`RowKey lt ${to}`}`;
    if (query.after !== undefined) filter += ` and ${odata`RowKey gt ${keyPart(query.after)}`}`;
    const rows = await this.reader.query(Tables.directory, filter, ['room', 'members'], query.limit + 1);
    return rows.map((row) => ({ room: String(row.room), members: Number(row.members) }));
  }

  private memberRows(hub: string, room: string, select: string[], top?: number): Promise<TableEntityResult<Row>[]> {
    const partitionKey = conversationKey(hub, roomConversation(room));
    const filter = odata`PartitionKey eq ${partitionKey} and RowKey ge ${ROOM_MEMBER_RANGE.from} and RowKey lt ${ROOM_MEMBER_RANGE.to}`;
    return this.reader.query(Tables.messages, filter, select, top);
  }
}
