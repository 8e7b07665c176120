import type { BanFrame, InviteFrame, JoinFrame, LeaveFrame, MuteFrame, RemoveFrame, RoleFrame, SendFrame } from '@parley/contracts';
import { decideBan, decideMute, decideRemove, decideRole, type ModerationState } from './moderation.js';
import { withRoomCount } from './room-count.js';
import { decideInvite, decideJoin, decideLeave, type InviteState, type JoinState, type LeaveState } from './rooms.js';
import { decideSend, type SendState } from './send.js';
import type { Decision, EventContext } from './types.js';

/** Frames that change something; `history`, `members` and `directory` only read and are handled apart. */
export type ChangingFrame = SendFrame | JoinFrame | LeaveFrame | InviteFrame | RoleFrame | RemoveFrame | BanFrame | MuteFrame;

/** The state a changing frame's rule needs, tagged with the frame type it was loaded for. */
export type FrameState =
  | { readonly type: 'send'; readonly state: SendState }
  | { readonly type: 'join'; readonly state: JoinState }
  | { readonly type: 'leave'; readonly state: LeaveState }
  | { readonly type: 'invite'; readonly state: InviteState }
  | { readonly type: 'role' | 'remove' | 'ban' | 'mute'; readonly state: ModerationState };

const CHANGING: ReadonlySet<string> = new Set(['send', 'join', 'leave', 'invite', 'role', 'remove', 'ban', 'mute']);

export function isChangingFrame(frame: { type: string }): frame is ChangingFrame {
  return CHANGING.has(frame.type);
}

export function decideFrame(frame: ChangingFrame, loaded: FrameState, ctx: EventContext): Decision {
  if (frame.type !== loaded.type) throw new TypeError(`state for "${loaded.type}" given to the "${frame.type}" rule`);
  switch (loaded.type) {
    case 'send':
      return decideSend(frame as SendFrame, loaded.state, ctx);
    case 'join':
      return withRoomCount((frame as JoinFrame).room, loaded.state.counter, decideJoin(frame as JoinFrame, loaded.state, ctx));
    case 'leave':
      return withRoomCount((frame as LeaveFrame).room, loaded.state.counter, decideLeave(frame as LeaveFrame, loaded.state, ctx));
    case 'invite':
      return withRoomCount((frame as InviteFrame).room, loaded.state.counter, decideInvite(frame as InviteFrame, loaded.state, ctx));
    case 'role':
      return withRoomCount((frame as RoleFrame).room, loaded.state.counter, decideRole(frame as RoleFrame, loaded.state, ctx));
    case 'remove':
      return withRoomCount((frame as RemoveFrame).room, loaded.state.counter, decideRemove(frame as RemoveFrame, loaded.state, ctx));
    case 'ban':
      return withRoomCount((frame as BanFrame).room, loaded.state.counter, decideBan(frame as BanFrame, loaded.state, ctx));
    case 'mute':
      return withRoomCount((frame as MuteFrame).room, loaded.state.counter, decideMute(frame as MuteFrame, loaded.state, ctx));
  }
}
