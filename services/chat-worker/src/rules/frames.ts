import type { InviteFrame, JoinFrame, LeaveFrame, ReadFrame, SendFrame } from '@parley/contracts';
import { decideRead, type ReadState } from './read-state.js';
import { decideInvite, decideJoin, decideLeave, type InviteState, type JoinState, type LeaveState } from './rooms.js';
import { decideSend, type SendState } from './send.js';
import type { Decision, EventContext } from './types.js';

/** Frames that change something; `history` only reads and is handled apart. */
export type ChangingFrame = SendFrame | JoinFrame | LeaveFrame | InviteFrame | ReadFrame;

/** The state a changing frame's rule needs, tagged with the frame type it was loaded for. */
export type FrameState =
  | { readonly type: 'send'; readonly state: SendState }
  | { readonly type: 'join'; readonly state: JoinState }
  | { readonly type: 'leave'; readonly state: LeaveState }
  | { readonly type: 'invite'; readonly state: InviteState }
  | { readonly type: 'read'; readonly state: ReadState };

export function isChangingFrame(frame: { type: string }): frame is ChangingFrame {
  return frame.type === 'send' || frame.type === 'join' || frame.type === 'leave' || frame.type === 'invite' || frame.type === 'read';
}

export function decideFrame(frame: ChangingFrame, loaded: FrameState, ctx: EventContext): Decision {
  if (frame.type !== loaded.type) throw new TypeError(`state for "${loaded.type}" given to the "${frame.type}" rule`);
  switch (loaded.type) {
    case 'send':
      return decideSend(frame as SendFrame, loaded.state, ctx);
    case 'join':
      return decideJoin(frame as JoinFrame, loaded.state, ctx);
    case 'leave':
      return decideLeave(frame as LeaveFrame, loaded.state, ctx);
    case 'invite':
      return decideInvite(frame as InviteFrame, loaded.state, ctx);
    case 'read':
      return decideRead(frame as ReadFrame, loaded.state, ctx);
  }
}
