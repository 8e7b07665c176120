import type { TableEntityResult } from '@azure/data-tables';
import { roomInfoKeys, Tables, type RoomEntity, type RoomVisibility } from '@parley/contracts';
import type { ProjectionWrite } from '../rules/index.js';
import type { RowChange } from './entities.js';

/** The user's rooms, those of them that are private (their memberships rows say so), and their direct chats. */
export interface UserRooms {
  readonly rooms: string[];
  readonly privateRooms: string[];
  /** The users this one has a direct chat with (their `~direct:` rows). */
  readonly directChats: string[];
}

/**
 * A room's own row. Insert only: it is written once, by the join that created the room, and a
 * second creator's commit must fail rather than overwrite the visibility the first one chose.
 */
export function roomRowChange(write: Extract<ProjectionWrite, { kind: 'putRoom' }>): RowChange {
  const entity: RoomEntity = {
    ...roomInfoKeys(write.hub, write.room),
    room: write.room,
    visibility: write.visibility,
    createdBy: write.createdBy,
    createdAt: write.createdAt,
    eventId: write.eventId,
    ...(write.members === undefined ? {} : { members: write.members }),
  };
  return { op: 'insert', table: Tables.messages, entity };
}

export function visibilityOf(row: TableEntityResult<Record<string, unknown>> | undefined): RoomVisibility | undefined {
  if (row === undefined) return undefined;
  // A value other than the two this code writes is read as private: the safe side.
  return row.visibility === 'public' ? 'public' : 'private';
}

/** The rows of a user's `memberships` partition: room rows have `room`, direct-chat rows `peer`. */
export function userRooms(rows: readonly Record<string, unknown>[]): UserRooms {
  const roomRows = rows.filter((row) => typeof row.room === 'string');
  const rooms = roomRows.map((row) => String(row.room));
  const privateRooms = roomRows.filter((row) => row.private === true).map((row) => String(row.room));
  const directChats = rows.flatMap((row) => (typeof row.peer === 'string' ? [row.peer] : []));
  return { rooms, privateRooms, directChats };
}
