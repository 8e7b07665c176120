import { ErrorCodes, isEmojiName, type DeleteFrame, type EditFrame, type MessageFrame, type ReactFrame, type UpdateFrame } from '@parley/contracts';
import type { MessageChangeFrame } from './frames.js';
import { isMutedAt } from './moderation.js';
import { reject } from './reject.js';
import { addReaction, removeReaction, shownReactions } from './reactions.js';
import { conversationOf, toAudience, type MessageChangeState, type TargetMessage } from './message-target.js';
import { nothing, type Decision, type EventContext, type MessageChange } from './types.js';

/**
 * The checks every change of a message makes first, in this order, so a frame learns nothing
 * about a conversation its sender is not in: the room exists and the sender is a member (the
 * codes of `send`) who is not muted (an edit or a reaction), then the message is one of this
 * conversation's. Returns the target, or the refusal.
 */
function findTarget(frame: MessageChangeFrame, state: MessageChangeState, ctx: EventContext): TargetMessage | Decision {
  const { access } = state;
  if (frame.room !== undefined) {
    if (access.kind !== 'room' || !access.roomExists) return reject(ctx, frame.id, ErrorCodes.unknownRoom, frame.room);
    if (!access.member) return reject(ctx, frame.id, ErrorCodes.notMember, frame.room);
    if (frame.type !== 'delete' && isMutedAt(access, ctx.receivedAt)) {
      return reject(ctx, frame.id, ErrorCodes.muted, `you are muted in room "${frame.room}" until ${access.mutedUntil ?? ''}`);
    }
  }
  return state.target ?? reject(ctx, frame.id, ErrorCodes.unknownMessage, frame.message);
}

const isDecision = (value: TargetMessage | Decision): value is Decision => 'commands' in value;

/** The decision that stores `change` on the target row (only if it is still as read) and tells the conversation. */
function changed(frame: MessageChangeFrame, target: TargetMessage, change: MessageChange, update: UpdateFrame, ctx: EventContext): Decision {
  const { hub, userId } = ctx;
  const conversation = conversationOf(frame, userId);
  return {
    writes: [{ kind: 'changeMessage', hub, conversation, rowKey: target.rowKey, etag: target.etag, change }],
    commands: toAudience(hub, frame, userId, update),
  };
}

/** The `update` frame for a change of `target`, addressed like the message, `by` the sender. */
function updateFrame(target: TargetMessage, ctx: EventContext, state: Pick<UpdateFrame, 'text' | 'editedAt' | 'deleted' | 'reactions' | 'mentions'>): UpdateFrame {
  const frame: UpdateFrame = { type: 'update', id: target.id, from: target.from, ...state, by: ctx.userId };
  if (target.room !== undefined) frame.room = target.room;
  if (target.to !== undefined) frame.to = target.to;
  if (ctx.userName !== undefined) frame.byName = ctx.userName;
  return frame;
}

/**
 * `edit`: the author replaces the text of their message; it shows when it was edited. The same
 * text again changes nothing. In a room the new text's mentions replace the old ones.
 */
export function decideEdit(frame: EditFrame, state: MessageChangeState, ctx: EventContext): Decision {
  const target = findTarget(frame, state, ctx);
  if (isDecision(target)) return target;
  if (target.from !== ctx.userId) return reject(ctx, frame.id, ErrorCodes.notAuthor, 'edit');
  if (target.deleted === true) return reject(ctx, frame.id, ErrorCodes.messageDeleted, frame.message);
  if (target.text === frame.text) return nothing;
  const editedAt = ctx.receivedAt;
  if (frame.room === undefined) {
    return changed(frame, target, { kind: 'edit', text: frame.text, editedAt }, updateFrame(target, ctx, { text: frame.text, editedAt }), ctx);
  }
  const mentions = [...(state.mentions ?? [])];
  const update = updateFrame(target, ctx, { text: frame.text, editedAt, mentions });
  return changed(frame, target, { kind: 'edit', text: frame.text, editedAt, mentions }, update, ctx);
}

/**
 * `delete`: the author takes their message back; in a room its owner and moderators may take
 * anyone's. The row keeps only who sent it and when (its text, reply quote, reactions and
 * mentions are gone). Deleting a deleted message changes nothing.
 */
export function decideDelete(frame: DeleteFrame, state: MessageChangeState, ctx: EventContext): Decision {
  const target = findTarget(frame, state, ctx);
  if (isDecision(target)) return target;
  const moderates = state.access.kind === 'room' && state.access.moderates === true;
  if (target.from !== ctx.userId && !moderates) return reject(ctx, frame.id, ErrorCodes.notAuthor, 'delete');
  if (target.deleted === true) return nothing;
  const message: MessageFrame = { type: 'message', id: target.id, clientId: target.clientId, from: target.from, text: '', at: target.at, deleted: true };
  if (target.fromName !== undefined) message.fromName = target.fromName;
  if (target.room !== undefined) message.room = target.room;
  if (target.to !== undefined) message.to = target.to;
  return changed(frame, target, { kind: 'delete', message }, updateFrame(target, ctx, { text: '', deleted: true }), ctx);
}

/** `react`: adds (or with `remove`, takes back) the sender's emoji; the conversation hears the whole new list. */
export function decideReact(frame: ReactFrame, state: MessageChangeState, ctx: EventContext): Decision {
  const target = findTarget(frame, state, ctx);
  if (isDecision(target)) return target;
  if (target.deleted === true) return reject(ctx, frame.id, ErrorCodes.messageDeleted, frame.message);
  // The gateway refuses unknown names; a frame that got past it is refused the same way here.
  const emoji = frame.emoji;
  if (!isEmojiName(emoji)) return reject(ctx, frame.id, ErrorCodes.unknownEmoji, emoji);
  const reactions = target.reactions ?? [];
  const outcome = frame.remove === true ? removeReaction(reactions, emoji, ctx.userId) : addReaction(reactions, emoji, ctx.userId);
  if (outcome.kind === 'unchanged') return nothing;
  if (outcome.kind === 'full') return reject(ctx, frame.id, ErrorCodes.tooManyReactions, frame.message);
  const update = updateFrame(target, ctx, { reactions: shownReactions(outcome.reactions) });
  return changed(frame, target, { kind: 'react', reactions: outcome.reactions }, update, ctx);
}
