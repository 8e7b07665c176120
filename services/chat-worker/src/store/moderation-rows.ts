import {
  directoryKeys,
  roomBanKeys,
  roomInfoKeys,
  roomMemberKeys,
  roomMuteKeys,
  roomVoiceKeys,
  Tables,
  type DirectoryEntity,
  type MemberEntity,
  type RoomBanEntity,
  type RoomVisibility,
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
    case 'putMute': {
      const entity = { ...roomMuteKeys(hub, room, write.user), user: write.user, mutedUntil: write.until };
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
      const entity = { ...roomInfoKeys(hub, room), members: write.members };
      // Conditional on the ETag the count was read with: a concurrent change makes the whole commit stale.
      return [{ op: 'merge', table: Tables.messages, entity, etag: write.etag ?? '*' }];
    }
    case 'copyToDirectory':
      return [{ op: 'directory', table: Tables.directory, entity: { ...directoryKeys(hub, room), room }, source: roomInfoKeys(hub, room) }];
  }
}

/** The least key greater than every key that starts with `prefix` (undefined: none), for `RowKey lt`. Encoded keys hold `%-._~` and alphanumerics only, `~` the greatest. */
export function keyPrefixEnd(prefix: string): string | undefined {
  const trimmed = prefix.replace(/~+$/, '');
  if (trimmed === '') return undefined;
  return trimmed.slice(0, -1) + String.fromCharCode(trimmed.charCodeAt(trimmed.length - 1) + 1);
}

/** The reads and conditional writes a directory copy makes (the table store's, counted). */
export interface DirectoryCopyIo {
  /** The directory entry's ETag; undefined when there is none. */
  readEntry(): Promise<string | undefined>;
  /** The room row's count and visibility now; undefined when there is no room row. */
  readRoom(): Promise<{ readonly members: number; readonly visibility: RoomVisibility } | undefined>;
  insert(entity: DirectoryEntity): Promise<void>;
  replace(entity: DirectoryEntity, etag: string): Promise<void>;
}

const statusOf = (error: unknown) => (error as { statusCode?: unknown } | null)?.statusCode;

/**
 * Copies a public room's count from its room row to its directory entry. Copies by different
 * workers (and redeliveries) may run at once and in any order; each reads the entry's ETag first,
 * then the room row, and writes conditionally on that ETag (a lost race reads both again). So the
 * copy that succeeds last read the room row after every copy before it succeeded — after the last
 * change of the room whose copy it is or follows: the entry ends with the room's count as it is.
 */
export async function copyToDirectory(io: DirectoryCopyIo, keys: { readonly partitionKey: string; readonly rowKey: string }, room: string): Promise<void> {
  for (let attempt = 1; attempt <= 8; attempt++) {
    const etag = await io.readEntry();
    const source = await io.readRoom();
    if (source === undefined || source.visibility !== 'public') return;
    const entity: DirectoryEntity = { ...keys, room, members: source.members };
    try {
      if (etag === undefined) await io.insert(entity);
      else await io.replace(entity, etag);
      return;
    } catch (error) {
      const status = statusOf(error);
      if (status !== 409 && status !== 412 && status !== 404) throw error;
    }
  }
  throw new Error(`the directory entry of room "${room}" kept changing under its copy; retrying later`);
}
