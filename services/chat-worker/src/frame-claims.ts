import { roomConversation, type Conversation } from '@parley/contracts';
import { conversationOf, mayMention, readConversation, type ChangingFrame, type EventContext, type FrameState, type RoomCounter } from './rules/index.js';

/** The conversation a changing frame is aimed at: its partition holds the frame's claim (docs/architecture.md § Storage). */
export function frameConversation(frame: ChangingFrame, user: string): Conversation {
  switch (frame.type) {
    case 'join':
    case 'leave':
    case 'invite':
    case 'role':
    case 'remove':
    case 'ban':
    case 'mute':
      return roomConversation(frame.room);
  }
  if (frame.type === 'read') return readConversation(frame, user);
  return conversationOf(frame, user);
}

/**
 * The sender, when the state takes them for a member of the frame's room: the commit checks they
 * still are. A room send checks the sender's voice row instead (reliedVoices), unless it read that
 * there is none. Moderation relies on the room row's ETag instead (rules/room-count.ts).
 */
export function reliedMembers(state: FrameState, user: string): string[] {
  switch (state.type) {
    case 'send':
      return state.state.kind === 'room' && state.state.member && state.state.voice === false ? [user] : [];
    case 'join':
    case 'leave':
      return state.state.member ? [user] : [];
    case 'invite':
      return state.state.senderMember ? [user] : [];
    case 'edit':
    case 'delete':
    case 'react':
      return state.state.access.kind === 'room' && state.state.access.member ? [user] : [];
    case 'read':
      return state.state.room?.member === true ? [user] : [];
    case 'role':
    case 'remove':
    case 'ban':
    case 'mute':
      return [];
  }
}

/**
 * A room send taken to be a member's who may speak: the commit checks the sender's voice row, so a
 * mute (which deletes it) makes the commit stale and the read state refuses the send — no read on
 * the hot path.
 */
export function reliedVoices(state: FrameState, user: string): string[] {
  return state.type === 'send' && state.state.kind === 'room' && state.state.member && state.state.voice !== false ? [user] : [];
}

/** The claim's frozen state: the rule's state and the sender's display name it was decided with. */
export function claimState(state: FrameState, ctx: EventContext): string {
  // A row's ETag is not frozen: a redelivery never writes the message change again (its commit did),
  // and a rebuild gets other ETags, which would make its claims differ from the originals. Of a
  // room's counter only its visibility: see RoomCounter (rules/moderation-writes.ts).
  const frozen = (key: string, value: unknown) => {
    if (key === 'etag') return undefined;
    return key === 'counter' && value !== null && typeof value === 'object' ? { visibility: (value as RoomCounter).visibility } : value;
  };
  return JSON.stringify(ctx.userName === undefined ? state : { ...state, userName: ctx.userName }, frozen);
}

/** The context a redelivery decides in: the display name frozen with the claim, not the one known now. */
export function claimedContext(ctx: EventContext, frozen: string | undefined): EventContext {
  if (frozen === undefined) return ctx;
  let userName: unknown;
  try {
    userName = (JSON.parse(frozen) as { userName?: unknown }).userName;
  } catch {
    return ctx;
  }
  const { userName: _now, ...rest } = ctx;
  return typeof userName === 'string' ? { ...rest, userName } : rest;
}

const MEMBER_OF_ROOM: FrameState = Object.freeze({ type: 'send', state: Object.freeze({ kind: 'room', roomExists: true, member: true }) });
const LOBBY: FrameState = Object.freeze({ type: 'send', state: Object.freeze({ kind: 'lobby' }) });

/**
 * The state tried first without reading anything, for the hot path: a lobby send needs none,
 * and a room send assumes the sender is a member — the commit's member check makes that exact
 * (a non-member's commit fails as stale and the real state is read). Undefined: read first —
 * as a reply does, which needs the message it answers (only replies pay that read).
 */
export function assumedState(frame: ChangingFrame): FrameState | undefined {
  if (frame.type !== 'send' || frame.to !== undefined || frame.replyTo !== undefined) return undefined;
  // Only a room message with `@` pays a read: the members its mentions are looked up among.
  if (frame.room !== undefined && mayMention(frame.text)) return undefined;
  return frame.room !== undefined ? MEMBER_OF_ROOM : LOBBY;
}
