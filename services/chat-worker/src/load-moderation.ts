import type { MembersFrame } from '@parley/contracts';
import type { EventContext, MembersAccess, ModerationFrameIn, ModerationState, RoomCounter } from './rules/index.js';
import type { ChatStore } from './store/chat-store.js';
import type { RoomRowRead } from './store/room-reads.js';

/** The room row's count (a row older than counts: its member rows counted) and the ETag its rewrite is conditional on. */
export async function counterOf(store: ChatStore, hub: string, room: string, row: RoomRowRead): Promise<RoomCounter> {
  const members = row.members ?? (await store.countMembers(hub, room));
  return { members, visibility: row.visibility, etag: row.etag };
}

/** A moderation frame's state: the room row, the actor's and the target's member rows, the target's ban and voice rows, read at once. */
export async function loadModerationState(store: ChatStore, frame: ModerationFrameIn, ctx: EventContext): Promise<ModerationState> {
  const { hub } = ctx;
  const { room, user } = frame;
  const [row, actor, target, targetBanned, targetVoice] = await Promise.all([
    store.roomRow(hub, room),
    store.memberRow(hub, room, ctx.userId),
    store.memberRow(hub, room, user),
    store.isBanned(hub, room, user),
    store.hasVoice(hub, room, user),
  ]);
  const roomExists = row !== undefined || actor !== undefined || target !== undefined || (await store.roomExists(hub, room));
  return {
    roomExists,
    ...(row === undefined ? {} : { visibility: row.visibility }),
    ...(row?.createdBy === undefined ? {} : { owner: row.createdBy }),
    ...(actor === undefined ? {} : { actor }),
    ...(target === undefined ? {} : { target }),
    targetBanned,
    targetVoice,
    ...(row === undefined ? {} : { counter: await counterOf(store, hub, room, row) }),
  };
}

/** Who asks about a room's members: the room row (owner, visibility) and the asker's member row. */
export async function loadMembersAccess(store: ChatStore, frame: MembersFrame, ctx: EventContext): Promise<MembersAccess> {
  const [row, asker] = await Promise.all([store.roomRow(ctx.hub, frame.room), store.memberRow(ctx.hub, frame.room, ctx.userId)]);
  const roomExists = asker !== undefined || (await store.roomExists(ctx.hub, frame.room));
  return {
    roomExists,
    ...(row === undefined ? {} : { visibility: row.visibility }),
    ...(row?.createdBy === undefined ? {} : { owner: row.createdBy }),
    ...(asker === undefined ? {} : { asker }),
  };
}
