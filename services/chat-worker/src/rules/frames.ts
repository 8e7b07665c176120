import type { DeleteFrame, EditFrame, InviteFrame, JoinFrame, LeaveFrame, ReactFrame, ReadFrame, SendFrame } from '@parley/contracts';
import { decideDelete, decideEdit, decideReact } from './message-changes.js';
import type { MessageChangeState } from './message-target.js';
import { decideRead, type ReadState } from './read-state.js';
import { decideInvite, decideJoin, decideLeave, type InviteState, type JoinState, type LeaveState } from './rooms.js';
import { decideSend, type SendState } from './send.js';
import type { Decision, EventContext } from './types.js';

/** Frames that change something; `history` only reads and is handled apart. */
export type ChangingFrame = SendFrame | JoinFrame | LeaveFrame | InviteFrame | MessageChangeFrame | ReadFrame;
/** Frames that change a stored message; they name their conversation as `send` does. */
export type MessageChangeFrame = EditFrame | DeleteFrame | ReactFrame;

/** The state a changing frame's rule needs, tagged with the frame type it was loaded for. */
export type FrameState =
  | { readonly type: 'send'; readonly state: SendState }
  | { readonly type: 'join'; readonly state: JoinState }
  | { readonly type: 'leave'; readonly state: LeaveState }
  | { readonly type: 'invite'; readonly state: InviteState }
  | { readonly type: 'edit' | 'delete' | 'react'; readonly state: MessageChangeState }
  | { readonly type: 'read'; readonly state: ReadState };

const CHANGING: ReadonlySet<string> = new Set(['send', 'join', 'leave', 'invite', 'edit', 'delete', 'react', 'read']);

export function isChangingFrame(frame: { type: string }): frame is ChangingFrame {
  return CHANGING.has(frame.type);
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
    case 'edit':
      return decideEdit(frame as EditFrame, loaded.state, ctx);
    case 'delete':
      return decideDelete(frame as DeleteFrame, loaded.state, ctx);
    case 'react':
      return decideReact(frame as ReactFrame, loaded.state, ctx);
    case 'read':
      return decideRead(frame as ReadFrame, loaded.state, ctx);
  }
}
