import {
  directoryKeys,
  roomBanKeys,
  roomInfoKeys,
  roomMemberKeys,
  roomVoiceKeys,
  Tables,
  type DirectoryEntity,
  type MemberEntity,
  type RoomBanEntity,
} from '@parley/contracts';
import type { RoomWrite } from '../rules/index.js';
import type { RowChange } from './entities.js';

/** The rows a members, moderation or directory write changes (docs/architecture.md § Storage). */
export function roomWriteChanges(write: RoomWrite): RowChange[] {
  const { hub, room } = write;
  switch (write.kind) {
    case 'putMemberRow': {
      const { row } = write;
      const entity: MemberEntity = {
        ...roomMemberKeys(hub, room, write.user),
        room,
        user: write.user,
        joinedAt: row.joinedAt,
        eventId: row.eventId,
        ...(row.private === true ? { private: true } : {}),
        ...(row.role === undefined ? {} : { role: row.role }),
        ...(row.mutedUntil === undefined ? {} : { mutedUntil: row.mutedUntil }),
      };
      // Replace: a role taken back or a mute ended leaves no property behind (a merge cannot remove one).
      return [{ op: 'upsert', table: Tables.messages, entity }];
    }
    case 'putVoice': {
      const entity = { ...roomVoiceKeys(hub, room, write.user), user: write.user };
      return [{ op: 'upsert', table: Tables.messages, entity }];
    }
    case 'removeVoice':
      return [{ op: 'delete', table: Tables.messages, ...roomVoiceKeys(hub, room, write.user) }];
    case 'putBan': {
      const entity: RoomBanEntity = { ...roomBanKeys(hub, room, write.user), room, user: write.user, by: write.by, at: write.at, eventId: write.eventId };
      return [{ op: 'upsert', table: Tables.messages, entity }];
    }
    case 'removeBan':
      // Written only when the state saw the row: in the commit's transaction a missing row would fail it.
      return [{ op: 'delete', table: Tables.messages, ...roomBanKeys(hub, room, write.user) }];
    case 'countRoom': {
      const entity = { ...roomInfoKeys(hub, room), members: write.members, version: write.version };
      // Conditional on the ETag the count was read with: a concurrent change makes the whole commit stale.
      return [{ op: 'merge', table: Tables.messages, entity, etag: write.etag ?? '*' }];
    }
    case 'putDirectory': {
      const entity: DirectoryEntity = { ...directoryKeys(hub, room), room, members: write.members, version: write.version };
      return [{ op: 'directory', table: Tables.directory, entity }];
    }
  }
}

/** The least key greater than every key that starts with `prefix` (undefined: none), for `RowKey lt`. Encoded keys hold `%-._~` and alphanumerics only, `~` the greatest. */
export function keyPrefixEnd(prefix: string): string | undefined {
  const trimmed = prefix.replace(/~+$/, '');
  if (trimmed === '') return undefined;
  return trimmed.slice(0, -1) + String.fromCharCode(trimmed.charCodeAt(trimmed.length - 1) + 1);
}

export interface DirectoryRowIo {
  read(): Promise<{ readonly version: number; readonly etag: string } | undefined>;
  insert(entity: DirectoryEntity): Promise<void>;
  replace(entity: DirectoryEntity, etag: string): Promise<void>;
}

const statusOf = (error: unknown) => (error as { statusCode?: unknown } | null)?.statusCode;

/**
 * Copies a room's count to its directory entry unless the entry holds this version or a newer one:
 * copies from different workers (and redeliveries) land in any order, and the entry only moves
 * forward. Each write is conditional (insert, or replace with the ETag read), and a lost race reads again.
 */
export async function writeDirectoryEntry(io: DirectoryRowIo, entity: DirectoryEntity): Promise<void> {
  for (let attempt = 1; attempt <= 8; attempt++) {
    const current = await io.read();
    if (current !== undefined && current.version >= entity.version) return;
    try {
      if (current === undefined) await io.insert(entity);
      else await io.replace(entity, current.etag);
      return;
    } catch (error) {
      const status = statusOf(error);
      if (status !== 409 && status !== 412 && status !== 404) throw error;
    }
  }
  throw new Error(`the directory entry of room "${entity.room}" kept changing under its copy; retrying later`);
}
