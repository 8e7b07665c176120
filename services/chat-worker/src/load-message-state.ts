import type { Conversation } from '@parley/contracts';
import { conversationOf, quoteOf, type ConversationAccess, type MessageChangeFrame, type MessageChangeState, type ReplyTarget, type TargetMessage } from './rules/index.js';
import type { ChatStore, StoredMessage } from './store/chat-store.js';

/**
 * An edit's, delete's or reaction's state: the sender's access to the conversation and the
 * message it names, read together (its index row, then its row). The room's own row (its owner)
 * is read for a delete only; the member row gives the role and a mute's end; a non-member's state keeps no message.
 */
export async function loadMessageChangeState(store: ChatStore, frame: MessageChangeFrame, hub: string, user: string): Promise<MessageChangeState> {
  const conversation = conversationOf(frame, user);
  const [access, stored] = await Promise.all([loadAccess(store, frame, hub, user), store.findMessage(hub, conversation, frame.message)]);
  if (stored === undefined || (access.kind === 'room' && !access.member)) return { access };
  return { access, target: targetOf(stored, frame.type) };
}

async function loadAccess(store: ChatStore, frame: MessageChangeFrame, hub: string, user: string): Promise<ConversationAccess> {
  if (frame.room === undefined) return frame.to === undefined ? { kind: 'lobby' } : { kind: 'direct' };
  const room = frame.room;
  const [member, roomRow] = await Promise.all([store.memberRow(hub, room, user), frame.type === 'delete' ? store.roomRow(hub, room) : undefined]);
  if (member === undefined) return { kind: 'room', roomExists: await store.roomExists(hub, room), member: false };
  const moderates = frame.type === 'delete' && (member.role === 'moderator' || roomRow?.createdBy === user);
  // A mute stops edits and reactions (not deletes: taking one's own message back stays possible).
  const muted = frame.type !== 'delete' && member.mutedUntil !== undefined ? { mutedUntil: member.mutedUntil } : {};
  return { kind: 'room', roomExists: true, member: true, ...(moderates ? { moderates } : {}), ...muted };
}

/** Only what the frame's rule needs (the state is frozen in the claim): the text for an edit, the reactions for a reaction. */
function targetOf(stored: StoredMessage, type: MessageChangeFrame['type']): TargetMessage {
  const { message } = stored;
  const target: { -readonly [K in keyof TargetMessage]: TargetMessage[K] } = {
    rowKey: stored.rowKey,
    etag: stored.etag,
    id: message.id,
    clientId: message.clientId,
    from: message.from,
    at: message.at,
  };
  if (message.fromName !== undefined) target.fromName = message.fromName;
  if (message.room !== undefined) target.room = message.room;
  if (message.to !== undefined) target.to = message.to;
  if (message.deleted === true) target.deleted = true;
  if (type === 'edit') target.text = message.text;
  if (type === 'react') target.reactions = message.reactions ?? [];
  return target;
}

/** The message a reply answers, looked for in the reply's own conversation only. */
export async function loadReplyTarget(store: ChatStore, hub: string, conversation: Conversation, messageId: string): Promise<ReplyTarget> {
  const stored = await store.findMessage(hub, conversation, messageId);
  if (stored === undefined) return { found: false };
  return { found: true, deleted: stored.message.deleted === true, quote: quoteOf(stored.message) };
}
