import type { MessageFrame, ReadNoticeFrame, StateFrame, TypingNoticeFrame, UpdateFrame } from '@parley/contracts';
import type { ChatState, Conversation, Line } from './chat-state.js';
import { TYPING_EXPIRES_MS } from './emoji.js';
import { LOBBY, directKey, keyOfMessage, roomKey, type ConversationKey } from './keys.js';
import { applyUpdate, mergeMessage } from './message-lines.js';
import { update, updateExisting, withEntry, without } from './state-ops.js';

/*
 * Frames that change what a conversation shows live: messages (unread, mentions, typing
 * ends), updates of shown messages, typing and read notices, and the unread snapshot of
 * the `state` frame.
 */

/** A live message: shown, counted unread unless it is read as it arrives, its sender no longer typing. */
export function onMessage(state: ChatState, frame: MessageFrame): ChatState {
  const key = keyOfMessage(state.me, frame);
  const seen = key === state.active && state.focused;
  const counts = frame.from !== state.me && !seen;
  const mentionsMe = frame.mentions?.includes(state.me) === true;
  const before = state.unreadBeforeState;
  let added = false;
  const s = update(state, key, (c) => {
    const merged = mergeMessage(c.lines, frame, state.me);
    const typing = Object.hasOwn(c.typing, frame.from) ? without(c.typing, frame.from) : c.typing;
    if (merged === c.lines && typing === c.typing) return c;
    added = merged !== c.lines && merged.length > c.lines.length;
    return {
      ...c,
      lines: merged,
      typing,
      unread: c.unread + (added && counts ? 1 : 0),
      mentions: c.mentions + (added && counts && mentionsMe ? 1 : 0),
    };
  });
  if (!added || !counts || before === undefined) return s;
  return { ...s, unreadBeforeState: withEntry(before, key, (before[key] ?? 0) + 1) };
}

export function onUpdate(state: ChatState, frame: UpdateFrame): ChatState {
  return updateExisting(state, keyOfMessage(state.me, frame), (c) => {
    const lines = applyUpdate(c.lines, frame);
    return lines === c.lines ? c : { ...c, lines };
  });
}

/** The conversation a typing or read notice is about, seen from the receiver. */
function noticeKey(state: ChatState, frame: { user: string; room?: string; to?: string }): ConversationKey | undefined {
  if (frame.room !== undefined) return roomKey(frame.room);
  if (frame.to === undefined) return undefined;
  // A direct chat: the notice of the other user names me as `to`; my own devices' name the other user.
  return directKey(frame.user === state.me ? frame.to : frame.user);
}

export function onTyping(state: ChatState, frame: TypingNoticeFrame, nowMs: number): ChatState {
  const key = noticeKey(state, frame);
  if (key === undefined || frame.user === state.me) return state;
  return update(state, key, (c) => ({ ...c, typing: withEntry(c.typing, frame.user, nowMs + TYPING_EXPIRES_MS) }));
}

/** Drops "is typing" notices whose time is up. */
export function expireTyping(state: ChatState, nowMs: number): ChatState {
  let s = state;
  for (const c of Object.values(state.conversations)) {
    const stale = Object.entries(c.typing).filter(([, until]) => until <= nowMs);
    if (stale.length === 0) continue;
    s = update(s, c.key, (x) => ({ ...x, typing: Object.fromEntries(Object.entries(x.typing).filter(([, until]) => until > nowMs)) }));
  }
  return s;
}

/**
 * A read notice: the user's own (another device, or this page's echo) moves the read
 * position and recounts what is unread after it; someone else's is "seen by".
 */
export function onRead(state: ChatState, frame: ReadNoticeFrame): ChatState {
  const key = noticeKey(state, frame) ?? LOBBY;
  if (frame.user !== state.me) {
    return update(state, key, (c) => (c.readBy[frame.user] !== undefined && c.readBy[frame.user]! >= frame.message
      ? c
      : { ...c, readBy: withEntry(c.readBy, frame.user, frame.message) }));
  }
  return update(state, key, (c) => (c.lastRead !== undefined && c.lastRead >= frame.message ? c : readUpTo(c, frame.message, state.me)));
}

/** The conversation with its read position at `message`: unread is what others wrote after it. */
export function readUpTo(c: Conversation, message: string, me: string): Conversation {
  const after = c.lines.filter((l): l is Extract<Line, { kind: 'message' }> => l.kind === 'message' && l.id !== undefined && l.id > message && l.from !== me);
  const mentions = after.filter((l) => l.mentions?.includes(me) === true).length;
  return { ...c, lastRead: message, unread: after.length, mentions };
}

/**
 * The `state` frame's unread counts are the server's truth at connect (shared by every
 * device): the lobby or a room it does not list (or, without the field, none) has nothing
 * unread. The server lists the user's direct chats (up to 100, even those with nothing
 * unread), so they show on every device; one it does not list keeps the page's own count.
 */
export function applyUnread(state: ChatState, frame: StateFrame): ChatState {
  const listed = new Map<ConversationKey, NonNullable<StateFrame['unread']>[number]>();
  for (const u of frame.unread ?? []) listed.set(u.room !== undefined ? roomKey(u.room) : u.with !== undefined ? directKey(u.with) : LOBBY, u);
  // Messages that arrived live before the snapshot may be missing from it: they are the floor
  // (less those read meanwhile); otherwise the snapshot is the count.
  const floor = (c: Conversation) => Math.min(c.unread, state.unreadBeforeState?.[c.key] ?? 0);
  let s: ChatState = { ...state, unreadBeforeState: undefined };
  for (const c of Object.values(state.conversations)) {
    if (c.kind === 'direct' || listed.has(c.key)) continue;
    const keep = floor(c);
    if (c.unread !== keep || (keep === 0 && c.mentions > 0)) s = update(s, c.key, (x) => ({ ...x, unread: keep, mentions: Math.min(x.mentions, keep) }));
  }
  for (const [key, u] of listed) {
    // A room the user has left keeps a read position but is no conversation of theirs.
    if (key.startsWith('room:') && !s.conversations[key]?.member) continue;
    const shownAndRead = key === s.active && s.focused;
    s = update(s, key, (c) => ({
      ...c,
      unread: shownAndRead ? 0 : Math.max(u.count, floor(c)),
      mentions: shownAndRead ? 0 : Math.max(u.mentions, Math.min(c.mentions, floor(c))),
      ...(u.lastRead === undefined ? {} : { lastRead: u.lastRead }),
    }));
  }
  return s;
}
