import { ErrorCodes, roomGroup, type InviteFrame, type JoinFrame, type LeaveFrame } from '@parley/contracts';
import { reject, roomFrame, toConnection } from './reject.js';
import type { Decision, EventContext, ProjectionWrite } from './types.js';

// A room exists while it has members: the first join creates it, the last leave ends it.

export interface JoinState {
  readonly member: boolean;
}

export interface LeaveState {
  readonly roomExists: boolean;
  readonly member: boolean;
}

export interface InviteState {
  readonly roomExists: boolean;
  readonly senderMember: boolean;
  readonly inviteeKnown: boolean;
  readonly inviteeMember: boolean;
}

function addMember(ctx: EventContext, room: string, user: string): ProjectionWrite {
  return { kind: 'putMember', hub: ctx.hub, room, user, joinedAt: ctx.receivedAt, eventId: ctx.eventId };
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
    return { writes: [], commands: [addToGroup, toConnection(ctx, roomFrame(frame.room, userId, 'joined'))] };
  }
  return {
    writes: [addMember(ctx, frame.room, userId)],
    commands: [addToGroup, { action: 'sendToGroup', hub, group, frame: roomFrame(frame.room, userId, 'joined') }],
  };
}

/** `leave`: the group hears `left` while the leaver is still in it, then the leaver's connections leave the group. */
export function decideLeave(frame: LeaveFrame, state: LeaveState, ctx: EventContext): Decision {
  const { hub, userId } = ctx;
  if (!state.roomExists) return reject(ctx, frame.id, ErrorCodes.unknownRoom, frame.room);
  if (!state.member) return reject(ctx, frame.id, ErrorCodes.notMember, frame.room);
  const group = roomGroup(frame.room);
  const left = roomFrame(frame.room, userId, 'left');
  return {
    writes: [{ kind: 'removeMember', hub, room: frame.room, user: userId }],
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
  if (!state.senderMember) return reject(ctx, frame.id, ErrorCodes.notMember, frame.room);
  if (!state.inviteeKnown) return reject(ctx, frame.id, ErrorCodes.unknownUser, frame.user);
  if (state.inviteeMember) return reject(ctx, frame.id, ErrorCodes.alreadyMember, frame.user);
  const group = roomGroup(frame.room);
  return {
    writes: [addMember(ctx, frame.room, frame.user)],
    commands: [
      { action: 'addUserToGroup', hub, group, userId: frame.user },
      { action: 'sendToGroup', hub, group, frame: roomFrame(frame.room, frame.user, 'invited', userId) },
    ],
  };
}
