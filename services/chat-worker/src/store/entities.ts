import type { TableEntity } from '@azure/data-tables';
import {
  connectionsKeys,
  directChatKeys,
  membershipsKeys,
  presenceKeys,
  roomMemberKeys,
  roomVoiceKeys,
  Tables,
  type ConnectionEntity,
  type DirectChatEntity,
  type MemberEntity,
  type PresenceEntity,
} from '@parley/contracts';
import type { ProjectionWrite } from '../rules/index.js';
import { roomWriteChanges } from './moderation-rows.js';
import { roomRowChange } from './room-rows.js';
import { messageChangeRow, messageRowChanges } from './message-rows.js';
import { readPositionChange } from './read-rows.js';

export type TableName = (typeof Tables)[keyof typeof Tables];

/**
 * One row change a projection write stands for; each is idempotent (upsert, an insert that leaves an
 * existing row as it is, or a delete that tolerates 404).
 */
export type RowChange =
  /** With `etag`: conditional (If-Match), inside a commit's transaction only (the room row's count). */
  | { readonly op: 'upsert' | 'merge' | 'insert'; readonly table: TableName; readonly entity: TableEntity<object>; readonly etag?: string }
  /** Upserted inside a frame's commit; outside one, inserted only if absent (store/message-rows.ts). */
  | { readonly op: 'create'; readonly table: TableName; readonly entity: TableEntity<object> }
  /** Written only if the row still has `etag`: inside a frame's commit, never outside one (store/message-rows.ts). */
  | { readonly op: 'update'; readonly mode: 'Merge' | 'Replace'; readonly etag: string; readonly table: TableName; readonly entity: TableEntity<object> }
  /** A directory entry: a copy of the count on the room row at `source` (store/moderation-rows.ts). */
  | {
      readonly op: 'directory';
      readonly table: TableName;
      readonly entity: TableEntity<{ room: string }>;
      readonly source: { readonly partitionKey: string; readonly rowKey: string };
    }
  | { readonly op: 'delete'; readonly table: TableName; readonly partitionKey: string; readonly rowKey: string };

/** The rows a projection write changes, with keys only from the contracts' builders. */
export function rowChanges(write: ProjectionWrite): RowChange[] {
  switch (write.kind) {
    case 'putMessage':
      return messageRowChanges(write);
    case 'changeMessage':
      return [messageChangeRow(write)];
    case 'putMember': {
      const row = { room: write.room, user: write.user, joinedAt: write.joinedAt, eventId: write.eventId, ...(write.private === true ? { private: true } : {}) };
      const muted = write.mutedUntil === undefined ? {} : { mutedUntil: write.mutedUntil };
      const inRoom: MemberEntity = { ...roomMemberKeys(write.hub, write.room, write.user), ...row, ...muted };
      const ofUser: MemberEntity = { ...membershipsKeys(write.hub, write.user, write.room), ...row };
      // A new member may speak (their voice row comes with the membership) unless a mute still runs.
      const voice = { ...roomVoiceKeys(write.hub, write.room, write.user), user: write.user };
      return [
        { op: 'upsert', table: Tables.messages, entity: inRoom },
        ...(write.mutedUntil === undefined ? [{ op: 'upsert', table: Tables.messages, entity: voice } as const] : []),
        { op: 'upsert', table: Tables.memberships, entity: ofUser },
      ];
    }
    case 'putRoom':
      return [roomRowChange(write)];
    case 'removeMember':
      return [
        { op: 'delete', table: Tables.messages, ...roomMemberKeys(write.hub, write.room, write.user) },
        { op: 'delete', table: Tables.memberships, ...membershipsKeys(write.hub, write.user, write.room) },
      ];
    case 'putConnection': {
      const entity: ConnectionEntity = {
        ...connectionsKeys(write.hub, write.user, write.connectionId),
        user: write.user,
        connectionId: write.connectionId,
        connectedAt: write.connectedAt,
        eventId: write.eventId,
      };
      // Insert only: a tombstone already there (its disconnect was handled first) stays.
      return [{ op: 'insert', table: Tables.connections, entity }];
    }
    case 'closeConnection': {
      const entity: ConnectionEntity = {
        ...connectionsKeys(write.hub, write.user, write.connectionId),
        user: write.user,
        connectionId: write.connectionId,
        eventId: write.eventId,
        closedAt: write.closedAt,
        ...(write.refused === undefined ? {} : { refused: write.refused }),
      };
      return [{ op: 'upsert', table: Tables.connections, entity }];
    }
    case 'removeConnection':
      return [{ op: 'delete', table: Tables.connections, ...connectionsKeys(write.hub, write.user, write.connectionId) }];
    case 'putReadPosition':
      return [readPositionChange(write)];
    case 'putPresence': {
      const entity: PresenceEntity = {
        ...presenceKeys(write.hub, write.user),
        user: write.user,
        online: write.online,
        connectionCount: write.connectionCount,
        lastSeen: write.lastSeen,
      };
      // Merge: the row's display name (putProfile) stays.
      return [{ op: 'merge', table: Tables.presence, entity }];
    }
    case 'putProfile': {
      const entity: PresenceEntity = { ...presenceKeys(write.hub, write.user), user: write.user, name: write.name };
      // Merge: creates the row if the user never connected, and leaves its presence columns as they are.
      return [{ op: 'merge', table: Tables.presence, entity }];
    }
    case 'putDirectChat': {
      const entity: DirectChatEntity = { ...directChatKeys(write.hub, write.user, write.peer), user: write.user, peer: write.peer };
      // Insert only: the row never changes once there.
      return [{ op: 'insert', table: Tables.memberships, entity }];
    }
    default:
      return roomWriteChanges(write);
  }
}

export const changeKeys = (change: RowChange) =>
  change.op === 'delete' ? change : { partitionKey: change.entity.partitionKey, rowKey: change.entity.rowKey };
