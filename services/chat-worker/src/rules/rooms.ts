import { ErrorCodes, roomGroup, type InviteFrame, type JoinFrame, type LeaveFrame, type RoomVisibility } from '@parley/contracts';
import { isMutedAt } from './moderation.js';
import type { RoomCounter } from './moderation-writes.js';
import { reject, roomFrame, toConnection } from './reject.js';
import type { Decision, EventContext, ProjectionWrite } from './types.js';

// A room exists while it has members: the first join creates it (and its own row, which fixes its
// visibility for good), the last leave ends it. A private room is entered only by a member's invite.

/**
 * `visibility` is the room's own row (absent: no row — a public room created before rooms had one,
 * or no room). `roomExists` (any member) is read only when neither tells: without it, as in the
 * states frozen before rooms had a visibility, the room is taken to exist and be public.
 */
export interface JoinState {
  readonly member: boolean;
  readonly visibility?: RoomVisibility;
  readonly roomExists?: boolean;
  /** The user has a ban row in the room (absent: not banned, or a state frozen before bans). */
  readonly banned?: true;
  /** The end of the user's last mute in the room, when they had one (it outlives a leave). */
  readonly mutedUntil?: string;
  /** The room's count and version (rules/room-count.ts); absent when the join is refused anyway or the room is new. */
  readonly counter?: RoomCounter;
}

export interface LeaveState {
  readonly roomExists: boolean;
  readonly member: boolean;
  /** The leaver has a voice row (member and not muted), which goes with the membership. */
  readonly voice?: boolean;
  readonly counter?: RoomCounter;
}

export interface InviteState {
  readonly roomExists: boolean;
  readonly senderMember: boolean;
  readonly inviteeKnown: boolean;
  readonly inviteeMember: boolean;
  /** The room's own row; absent = public. */
  readonly visibility?: RoomVisibility;
  readonly inviteeBanned?: true;
  readonly inviteeMutedUntil?: string;
  readonly counter?: RoomCounter;
}

function addMember(ctx: EventContext, room: string, user: string, isPrivate: boolean, mutedUntil: string | undefined): ProjectionWrite {
  const write = { kind: 'putMember', hub: ctx.hub, room, user, joinedAt: ctx.receivedAt, eventId: ctx.eventId } as const;
  const muted = mutedUntil !== undefined && isMutedAt({ mutedUntil }, ctx.receivedAt) ? { mutedUntil } : {};
  return isPrivate ? { ...write, private: true, ...muted } : { ...write, ...muted };
}

/**
 * `join`: creates the room on first join. The user's connections enter the
 * group before the group hears `joined` (both commands share the group's
 * session, so they stay in order).
 */
export function decideJoin(frame: JoinFrame, state: JoinState, ctx: EventContext): Decision {
  const { hub, userId } = ctx;
  const group = roomGroup(frame.room);
  const addToGroup = { action: 'addUserToGroup', hub, group, userId } as const;
  if (state.member) {
    // Joining again is harmless: re-add to the group (heals a lost group) and confirm to this connection only.
    const joined = roomFrame(frame.room, userId, 'joined', undefined, state.visibility === 'private', ctx.userName);
    return { writes: [], commands: [addToGroup, toConnection(ctx, joined)] };
  }
  if (state.banned === true) return reject(ctx, frame.id, ErrorCodes.banned, `you are banned from room "${frame.room}"`);
  if (state.visibility === 'private') return reject(ctx, frame.id, ErrorCodes.roomPrivate, frame.room);
  const exists = state.visibility !== undefined || state.roomExists !== false;
  if (frame.private === true && exists) return reject(ctx, frame.id, ErrorCodes.roomExists, frame.room);
  const isPrivate = !exists && frame.private === true;
  const writes: ProjectionWrite[] = [addMember(ctx, frame.room, userId, isPrivate, state.mutedUntil)];
  if (state.visibility === undefined) {
    // The room's row is inserted by every join that found none — the creating one, or the first into a
    // room older than its row (recorded public) — so a creation racing with it fails its commit.
    const visibility = isPrivate ? 'private' : 'public';
    writes.unshift({ kind: 'putRoom', hub, room: frame.room, visibility, createdBy: userId, createdAt: ctx.receivedAt, eventId: ctx.eventId });
  }
  return {
    writes,
    commands: [addToGroup, { action: 'sendToGroup', hub, group, frame: roomFrame(frame.room, userId, 'joined', undefined, isPrivate, ctx.userName) }],
  };
}

/** `leave`: the group hears `left` while the leaver is still in it, then the leaver's connections leave the group. */
export function decideLeave(frame: LeaveFrame, state: LeaveState, ctx: EventContext): Decision {
  const { hub, userId } = ctx;
  if (!state.roomExists) return reject(ctx, frame.id, ErrorCodes.unknownRoom, frame.room);
  if (!state.member) return reject(ctx, frame.id, ErrorCodes.notMember, frame.room);
  const group = roomGroup(frame.room);
  const left = roomFrame(frame.room, userId, 'left', undefined, false, ctx.userName);
  const where = { hub, room: frame.room, user: userId } as const;
  return {
    writes: [{ kind: 'removeMember', ...where }, ...(state.voice === true ? [{ kind: 'removeVoice', ...where } as const] : [])],
    commands: [
      { action: 'sendToGroup', hub, group, frame: left },
      { action: 'removeUserFromGroup', hub, group, userId },
      // The group send may reach the leaver or not; this one always does.
      { action: 'sendToUser', hub, userId, frame: left },
    ],
  };
}

/** `invite`: a member adds a known user who is not in the room yet; the room hears `invited` with `by`. */
export function decideInvite(frame: InviteFrame, state: InviteState, ctx: EventContext): Decision {
  const { hub, userId } = ctx;
  if (!state.roomExists) return reject(ctx, frame.id, ErrorCodes.unknownRoom, frame.room);
  const isPrivate = state.visibility === 'private';
  if (!state.senderMember) return reject(ctx, frame.id, isPrivate ? ErrorCodes.roomPrivate : ErrorCodes.notMember, frame.room);
  if (state.inviteeBanned === true) return reject(ctx, frame.id, ErrorCodes.banned, `"${frame.user}" is banned from room "${frame.room}"`);
  if (!state.inviteeKnown) return reject(ctx, frame.id, ErrorCodes.unknownUser, frame.user);
  if (state.inviteeMember) return reject(ctx, frame.id, ErrorCodes.alreadyMember, frame.user);
  const group = roomGroup(frame.room);
  return {
    writes: [addMember(ctx, frame.room, frame.user, isPrivate, state.inviteeMutedUntil)],
    commands: [
      { action: 'addUserToGroup', hub, group, userId: frame.user },
      { action: 'sendToGroup', hub, group, frame: roomFrame(frame.room, frame.user, 'invited', userId, isPrivate, ctx.userName) },
    ],
  };
}
