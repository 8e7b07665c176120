import type { BanFrame, DeleteFrame, EditFrame, InviteFrame, JoinFrame, LeaveFrame, MuteFrame, ReactFrame, ReadFrame, RemoveFrame, RoleFrame, SendFrame } from '@parley/contracts';
import { decideDelete, decideEdit, decideReact } from './message-changes.js';
import type { MessageChangeState } from './message-target.js';
import { decideBan, decideMute, decideRemove, decideRole, type ModerationState } from './moderation.js';
import { decideRead, type ReadState } from './read-state.js';
import { withRoomCount } from './room-count.js';
import { decideInvite, decideJoin, decideLeave, type InviteState, type JoinState, type LeaveState } from './rooms.js';
import { decideSend, type SendState } from './send.js';
import type { Decision, EventContext } from './types.js';

/** Frames that change something; `history`, `members` and `directory` only read and are handled apart. */
export type ChangingFrame = SendFrame | JoinFrame | LeaveFrame | InviteFrame | MessageChangeFrame | ReadFrame | ModerationFrame;
/** Frames that change a stored message; they name their conversation as `send` does. */
export type MessageChangeFrame = EditFrame | DeleteFrame | ReactFrame;
/** Frames of a room's owner and moderators. */
export type ModerationFrame = RoleFrame | RemoveFrame | BanFrame | MuteFrame;

/** The state a changing frame's rule needs, tagged with the frame type it was loaded for. */
export type FrameState =
  | { readonly type: 'send'; readonly state: SendState }
  | { readonly type: 'join'; readonly state: JoinState }
  | { readonly type: 'leave'; readonly state: LeaveState }
  | { readonly type: 'invite'; readonly state: InviteState }
  | { readonly type: 'edit' | 'delete' | 'react'; readonly state: MessageChangeState }
  | { readonly type: 'read'; readonly state: ReadState }
  | { readonly type: 'role' | 'remove' | 'ban' | 'mute'; readonly state: ModerationState };

const CHANGING: ReadonlySet<string> = new Set(['send', 'join', 'leave', 'invite', 'edit', 'delete', 'react', 'read', 'role', 'remove', 'ban', 'mute']);

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
    case 'edit':
      return decideEdit(frame as EditFrame, loaded.state, ctx);
    case 'delete':
      return decideDelete(frame as DeleteFrame, loaded.state, ctx);
    case 'react':
      return decideReact(frame as ReactFrame, loaded.state, ctx);
    case 'read':
      return decideRead(frame as ReadFrame, loaded.state, ctx);
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
