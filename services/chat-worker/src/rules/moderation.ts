import {
  ErrorCodes,
  roomGroup,
  type BanFrame,
  type ErrorCode,
  type ModerationFrame,
  type MuteFrame,
  type NotifierCommand,
  type RemoveFrame,
  type RoleFrame,
  type RoomRole,
  type RoomVisibility,
} from '@parley/contracts';
import type { MemberRow, RoomCounter } from './moderation-writes.js';
import { toConnection } from './reject.js';
import type { Decision, EventContext, ProjectionWrite } from './types.js';

/**
 * What a moderation frame's rule needs: the room (its owner is the room row's `createdBy`), the
 * actor's and the target's member rows, whether the target is banned and has a voice row. Loaded
 * by load-moderation.ts and frozen in the frame's claim.
 */
export interface ModerationState {
  readonly roomExists: boolean;
  readonly visibility?: RoomVisibility;
  /** The room row's `createdBy`; absent for a room older than its row: it has no owner. */
  readonly owner?: string;
  /** The actor's member row; absent: not a member. */
  readonly actor?: MemberRow;
  readonly target?: MemberRow;
  readonly targetBanned: boolean;
  readonly targetVoice: boolean;
  readonly counter?: RoomCounter;
}

export type ModerationFrameIn = RoleFrame | RemoveFrame | BanFrame | MuteFrame;

export function roleOf(user: string, row: MemberRow | undefined, owner: string | undefined): RoomRole {
  if (owner !== undefined && user === owner) return 'owner';
  return row?.role === 'moderator' ? 'moderator' : 'member';
}

export function isMutedAt(row: { readonly mutedUntil?: string } | undefined, at: string): boolean {
  return row?.mutedUntil !== undefined && Date.parse(row.mutedUntil) > Date.parse(at);
}

function refuse(ctx: EventContext, clientId: string, code: ErrorCode, message: string): Decision {
  return { writes: [], commands: [toConnection(ctx, { type: 'error', id: clientId, error: { code, message } })], rejected: code };
}

/**
 * Who may act on whom. A non-member is told the room is private (or that they are not a member);
 * a plain member is not a moderator; `role` is the owner's alone; nobody acts on the owner; a
 * moderator does not act on another moderator (only the owner does: two moderators cannot
 * remove or mute each other in turn). Undefined: allowed.
 */
function refusal(frame: ModerationFrameIn, state: ModerationState, ctx: EventContext): Decision | undefined {
  const { room } = frame;
  if (!state.roomExists) return refuse(ctx, frame.id, ErrorCodes.unknownRoom, `room "${room}" does not exist`);
  if (state.actor === undefined) {
    return state.visibility === 'private'
      ? refuse(ctx, frame.id, ErrorCodes.roomPrivate, `room "${room}" is private: only a member can invite you`)
      : refuse(ctx, frame.id, ErrorCodes.notMember, `you are not a member of room "${room}"`);
  }
  const actorRole = roleOf(ctx.userId, state.actor, state.owner);
  if (frame.type === 'role' && actorRole !== 'owner') {
    return refuse(ctx, frame.id, ErrorCodes.notModerator, `only the owner of room "${room}" gives or takes the moderator role`);
  }
  if (actorRole === 'member') return refuse(ctx, frame.id, ErrorCodes.notModerator, `you are not a moderator of room "${room}"`);
  if (frame.user === state.owner) return refuse(ctx, frame.id, ErrorCodes.targetIsOwner, `"${frame.user}" owns room "${room}"`);
  if (actorRole === 'moderator' && state.target?.role === 'moderator') {
    return refuse(ctx, frame.id, ErrorCodes.notModerator, `"${frame.user}" is a moderator of room "${room}": only the owner acts on a moderator`);
  }
  const needsMember = frame.type !== 'ban';
  if (needsMember && state.target === undefined) return refuse(ctx, frame.id, ErrorCodes.notMember, `"${frame.user}" is not a member of room "${room}"`);
  return undefined;
}

function announce(frame: ModerationFrameIn, action: ModerationFrame['action'], ctx: EventContext, extra: Partial<ModerationFrame> = {}): ModerationFrame {
  const announced: ModerationFrame = { type: 'moderation', room: frame.room, action, user: frame.user, by: ctx.userId, ...extra };
  if (ctx.userName !== undefined) announced.byName = ctx.userName;
  return announced;
}

/**
 * The room hears it, then the user it concerns (from the room's group when they leave it, so the
 * group send reaches them first; the send to the user reaches every connection of theirs). A
 * private room's name is never sent to someone who is not, or was not just now, its member.
 */
function notices(frame: ModerationFrameIn, announced: ModerationFrame, ctx: EventContext, leavesGroup: boolean, tellUser: boolean): NotifierCommand[] {
  const { hub } = ctx;
  const group = roomGroup(frame.room);
  const commands: NotifierCommand[] = [{ action: 'sendToGroup', hub, group, frame: announced }];
  if (leavesGroup) commands.push({ action: 'removeUserFromGroup', hub, group, userId: frame.user });
  if (tellUser) commands.push({ action: 'sendToUser', hub, userId: frame.user, frame: announced });
  return commands;
}

function removal(frame: ModerationFrameIn, state: ModerationState, ctx: EventContext): ProjectionWrite[] {
  const where = { hub: ctx.hub, room: frame.room, user: frame.user } as const;
  return [{ kind: 'removeMember', ...where }, ...(state.targetVoice ? [{ kind: 'removeVoice', ...where } as const] : [])];
}

/** `role`: the owner makes a member a moderator, or a moderator a member again. */
export function decideRole(frame: RoleFrame, state: ModerationState, ctx: EventContext): Decision {
  const refused = refusal(frame, state, ctx);
  if (refused) return refused;
  const { role: _previous, ...rest } = state.target!;
  const row: MemberRow = frame.role === 'moderator' ? { ...rest, role: 'moderator' } : rest;
  const announced = announce(frame, 'role', ctx, { role: frame.role });
  return {
    writes: [{ kind: 'putMemberRow', hub: ctx.hub, room: frame.room, user: frame.user, row }],
    commands: notices(frame, announced, ctx, false, true),
  };
}

/** `remove`: the member leaves the room (and its group); they may join again unless banned. */
export function decideRemove(frame: RemoveFrame, state: ModerationState, ctx: EventContext): Decision {
  const refused = refusal(frame, state, ctx);
  if (refused) return refused;
  return { writes: removal(frame, state, ctx), commands: notices(frame, announce(frame, 'removed', ctx), ctx, true, true) };
}

/**
 * `ban`: the user's ban row, kept through leave and join until lifted; a member is removed too.
 * A user who is not a member may be banned ahead. `lift` deletes the row (a lift of no ban stores nothing but is announced).
 */
export function decideBan(frame: BanFrame, state: ModerationState, ctx: EventContext): Decision {
  const refused = refusal(frame, state, ctx);
  if (refused) return refused;
  const where = { hub: ctx.hub, room: frame.room, user: frame.user } as const;
  const member = state.target !== undefined;
  const tellUser = member || state.visibility !== 'private';
  if (frame.lift === true) {
    return { writes: state.targetBanned ? [{ kind: 'removeBan', ...where }] : [], commands: notices(frame, announce(frame, 'unbanned', ctx), ctx, false, tellUser) };
  }
  const ban: ProjectionWrite = { kind: 'putBan', ...where, by: ctx.userId, at: ctx.receivedAt, eventId: ctx.eventId };
  return {
    writes: [ban, ...(member ? removal(frame, state, ctx) : [])],
    commands: notices(frame, announce(frame, 'banned', ctx), ctx, member, tellUser),
  };
}

/**
 * `mute`: until now + minutes the member may read but not send; `minutes: 0` ends it at once. The
 * end is kept on the member row (what a send checks) and on the mute row (what a join after a leave
 * checks, so leaving does not end a mute).
 */
export function decideMute(frame: MuteFrame, state: ModerationState, ctx: EventContext): Decision {
  const refused = refusal(frame, state, ctx);
  if (refused) return refused;
  const where = { hub: ctx.hub, room: frame.room, user: frame.user } as const;
  const { mutedUntil: _previous, ...rest } = state.target!;
  if (frame.minutes === 0) {
    return {
      writes: [{ kind: 'putMemberRow', ...where, row: rest }, { kind: 'putMute', ...where, until: ctx.receivedAt }, { kind: 'putVoice', ...where }],
      commands: notices(frame, announce(frame, 'unmuted', ctx), ctx, false, true),
    };
  }
  const until = new Date(Date.parse(ctx.receivedAt) + frame.minutes * 60_000).toISOString();
  const writes: ProjectionWrite[] = [{ kind: 'putMemberRow', ...where, row: { ...rest, mutedUntil: until } }, { kind: 'putMute', ...where, until }];
  if (state.targetVoice) writes.push({ kind: 'removeVoice', ...where });
  return { writes, commands: notices(frame, announce(frame, 'muted', ctx, { until }), ctx, false, true) };
}
