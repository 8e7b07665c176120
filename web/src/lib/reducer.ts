import type { HistoryAnswerFrame, PresenceFrame, RoomFrame, ServerFrame, StateFrame } from '@parley/contracts';
import {
  insertLine,
  nameOf,
  type ChatMessage,
  type ChatState,
  type LinkState,
  type QuotedMessage,
  type RequestInfo,
} from './chat-state.js';
import { LOBBY, directKey, roomKey, type ConversationKey } from './keys.js';
import { applyUnread, expireTyping, onMessage, onRead, onTyping, onUpdate, readUpTo } from './live-frames.js';
import { inWords } from './error-words.js';
import { findMessage, mergeMessage } from './message-lines.js';
import { membersOnRoomFrame, onDirectory, onFeatureRefused, onMembers, onModeration } from './room-frames.js';
import { hasLine, mapValues, removeConversation, request, systemLine, update, without } from './state-ops.js';

/** Everything that changes the page's chat state. Times are passed in, so this stays pure. */
export type ChatEvent =
  | { readonly type: 'link'; readonly link: LinkState; readonly detail?: string }
  | { readonly type: 'frame'; readonly frame: ServerFrame; readonly at: string; readonly nowMs?: number }
  | {
      readonly type: 'send';
      readonly id: string;
      readonly key: ConversationKey;
      readonly text: string;
      readonly at: string;
      readonly replyTo?: QuotedMessage;
    }
  /** A request about a message or a conversation went out: its ack or error frame is applied by kind. */
  | { readonly type: 'request'; readonly id: string; readonly info: RequestInfo }
  /** This page read the conversation up to `message` (it sent a `read` frame). */
  | { readonly type: 'read'; readonly id: string; readonly key: ConversationKey; readonly message: string }
  | { readonly type: 'directory-request'; readonly id: string; readonly prefix: string; readonly append: boolean }
  | { readonly type: 'members-request'; readonly id: string; readonly key: ConversationKey }
  /** The page gained or lost focus (or visibility): what is shown counts as read only while focused. */
  | { readonly type: 'focus'; readonly focused: boolean }
  | { readonly type: 'tick'; readonly nowMs: number }
  | { readonly type: 'jump'; readonly key: ConversationKey; readonly id: string }
  | { readonly type: 'jump-done' }
  | { readonly type: 'join' | 'leave'; readonly id: string; readonly room: string }
  | { readonly type: 'invite'; readonly id: string; readonly room: string; readonly user: string }
  | { readonly type: 'history-request'; readonly id: string; readonly key: ConversationKey; readonly older: boolean }
  | { readonly type: 'open'; readonly key: ConversationKey }
  /** A new socket opened: presence news start over. */
  | { readonly type: 'socket-open' };

export function reduce(state: ChatState, event: ChatEvent): ChatState {
  switch (event.type) {
    case 'link': {
      const s = { ...state, link: event.link, linkDetail: event.detail };
      return state.link === 'online' && event.link !== 'online' ? connectionLost(s) : s;
    }
    case 'frame':
      return onFrame(state, event.frame, event.at, event.nowMs ?? Date.parse(event.at));
    case 'send': {
      const line: ChatMessage = {
        kind: 'message', key: event.id, clientId: event.id, from: state.me, text: event.text, at: event.at, state: 'pending',
        ...(event.replyTo ? { replyTo: event.replyTo } : {}),
      };
      const s = request(state, event.id, { kind: 'send', key: event.key });
      return update(s, event.key, (c) => ({ ...c, lines: insertLine(c.lines, line) }));
    }
    case 'join': {
      const key = roomKey(event.room);
      const s = request(state, event.id, { kind: 'join', key });
      return { ...update(s, key, (c) => ({ ...c, member: true })), active: key };
    }
    case 'leave':
      return request(state, event.id, { kind: 'leave', key: roomKey(event.room) });
    case 'invite':
      return request(state, event.id, { kind: 'invite', key: roomKey(event.room), user: event.user });
    case 'history-request': {
      const s = request(state, event.id, { kind: 'history', key: event.key, older: event.older });
      return update(s, event.key, (c) => ({ ...c, history: { ...c.history, loading: true, error: undefined } }));
    }
    case 'open': {
      const s = update(state, event.key, (c) => (c.unread === 0 && c.mentions === 0 ? c : { ...c, unread: 0, mentions: 0 }));
      return { ...s, active: event.key };
    }
    case 'socket-open':
      return { ...state, presenceSeen: {}, unreadBeforeState: {} };
    case 'request':
      return request(state, event.id, event.info);
    case 'read': {
      const s = request(state, event.id, { kind: 'read', key: event.key, message: event.message });
      return update(s, event.key, (c) => (c.lastRead !== undefined && c.lastRead >= event.message ? c : readUpTo(c, event.message, state.me)));
    }
    case 'members-request': {
      const s = request(state, event.id, { kind: 'members', key: event.key });
      return update(s, event.key, (c) => ({ ...c, members: { list: c.members?.list ?? [], ...(c.members?.banned ? { banned: c.members.banned } : {}), loading: true } }));
    }
    case 'directory-request': {
      const s = request(state, event.id, { kind: 'directory', append: event.append });
      const rooms = event.append ? state.directory.rooms : [];
      return { ...s, directory: { prefix: event.prefix, rooms, next: event.append ? state.directory.next : null, loading: true, requestId: event.id } };
    }
    case 'focus': {
      if (state.focused === event.focused) return state;
      const s = { ...state, focused: event.focused };
      return event.focused ? update(s, s.active, (c) => (c.unread === 0 && c.mentions === 0 ? c : { ...c, unread: 0, mentions: 0 })) : s;
    }
    case 'tick':
      return expireTyping(state, event.nowMs);
    case 'jump':
      return { ...state, jump: { key: event.key, id: event.id, status: jumpStatus(state, event.key, event.id) } };
    case 'jump-done':
      return state.jump ? { ...state, jump: undefined } : state;
  }
}

/** Where a jump to a message stands: found among the lines, or still to look for in older pages, or not there. */
function jumpStatus(state: ChatState, key: ConversationKey, id: string): 'searching' | 'found' | 'gone' {
  const c = state.conversations[key];
  if (c && findMessage(c.lines, id)) return 'found';
  if (!c || c.history.error || (c.history.loaded && !c.history.loading && c.history.next === null)) return 'gone';
  return 'searching';
}

function followJump(state: ChatState): ChatState {
  if (state.jump?.status !== 'searching') return state;
  const status = jumpStatus(state, state.jump.key, state.jump.id);
  return status === 'searching' ? state : { ...state, jump: { ...state.jump, status } };
}

/**
 * Messages may be missed while offline, so every history is stale; answers to
 * history requests made on the lost socket will never come.
 */
function connectionLost(state: ChatState): ChatState {
  const conversations = mapValues(state.conversations, (c) => ({
    ...c,
    history: { ...c.history, loaded: false, loading: false },
  }));
  const requests = Object.fromEntries(Object.entries(state.requests).filter(([, r]) => r.kind !== 'history'));
  return { ...state, conversations, requests };
}

/** The (user, display name) pairs a frame tells; names ride beside ids, each optional. */
function namesIn(frame: ServerFrame): Array<[string, string]> {
  switch (frame.type) {
    case 'message':
      return frame.fromName === undefined ? [] : [[frame.from, frame.fromName]];
    case 'history':
      // Newest first: the newest name is kept (set last).
      return frame.messages.flatMap((m): Array<[string, string]> => (m.fromName === undefined ? [] : [[m.from, m.fromName]])).reverse();
    case 'state':
      return Object.entries(frame.names ?? {});
    case 'presence':
      return frame.name === undefined ? [] : [[frame.user, frame.name]];
    case 'room': {
      const pairs: Array<[string, string]> = [];
      if (frame.userName !== undefined) pairs.push([frame.user, frame.userName]);
      if (frame.by !== undefined && frame.byName !== undefined) pairs.push([frame.by, frame.byName]);
      return pairs;
    }
    case 'moderation': {
      const pairs: Array<[string, string]> = [];
      if (frame.userName !== undefined) pairs.push([frame.user, frame.userName]);
      if (frame.byName !== undefined) pairs.push([frame.by, frame.byName]);
      return pairs;
    }
    case 'update':
      return frame.byName === undefined ? [] : [[frame.by, frame.byName]];
    case 'typing':
      return frame.name === undefined ? [] : [[frame.user, frame.name]];
    case 'members':
      return frame.members.flatMap((m): Array<[string, string]> => (m.name === undefined ? [] : [[m.user, m.name]]));
    default:
      return [];
  }
}

function learnNames(state: ChatState, frame: ServerFrame): ChatState {
  const pairs = namesIn(frame).filter(([user, name]) => !Object.hasOwn(state.names, user) || state.names[user] !== name);
  if (pairs.length === 0) return state;
  // From entries: a user id such as "__proto__" stays an own key.
  return { ...state, names: Object.fromEntries([...Object.entries(state.names), ...pairs]) };
}

function fillNames(state: ChatState, frame: ServerFrame): ChatState {
  const unknown = namesIn(frame).filter(([user]) => !Object.hasOwn(state.names, user));
  return unknown.length === 0 ? state : { ...state, names: Object.fromEntries([...Object.entries(state.names), ...unknown]) };
}

function onFrame(received: ChatState, frame: ServerFrame, at: string, nowMs: number): ChatState {
  // A live message's name is its sender's current one; a history page's may be older, so it only fills gaps.
  const state = frame.type === 'history' ? fillNames(received, frame) : learnNames(received, frame);
  switch (frame.type) {
    case 'hello':
      // The gateway binds the user id; it is the name to compare senders with.
      return { ...state, me: frame.user, link: 'online', linkDetail: undefined };
    case 'ack':
      return frame.ok ? onAccepted(state, frame.id) : onRefused(state, frame.id, frame.error ?? { message: 'refused' }, at);
    case 'error':
      return onRefused(state, frame.id, frame.error, at);
    case 'message':
      return onMessage(state, frame);
    case 'history':
      return followJump(onHistory(state, frame));
    case 'state':
      return applyUnread(onState(state, frame), frame);
    case 'presence':
      return onPresence(state, frame, at);
    case 'room':
      return membersOnRoomFrame(onRoom(state, frame, at), frame);
    case 'update':
      return onUpdate(state, frame);
    case 'typing':
      return onTyping(state, frame, nowMs);
    case 'read':
      return onRead(state, frame);
    case 'members':
      return onMembers(state, frame);
    case 'directory':
      return onDirectory(state, frame);
    case 'moderation':
      return onModeration(state, frame, at);
  }
}

function onAccepted(state: ChatState, id: string): ChatState {
  const req = state.requests[id];
  if (!req) return state;
  if (req.kind === 'send') return setMessageState(state, req.key, id, 'sent');
  if (req.kind === 'leave') return removeConversation(state, req.key);
  return state;
}

/** A refused send says the server's reason, except for the rules of the newer features, said in words. */
const SEND_CODES_IN_WORDS: ReadonlySet<string> = new Set(['PARLEY_MUTED', 'PARLEY_BANNED', 'PARLEY_REPLY_OTHER_CONVERSATION', 'PARLEY_MESSAGE_DELETED', 'PARLEY_UNKNOWN_MESSAGE']);

function onRefused(state: ChatState, id: string, problem: { code?: string; message: string }, at: string): ChatState {
  const req = state.requests[id];
  if (!req) return state;
  const s = { ...state, requests: without(state.requests, id) };
  const message = problem.message;
  switch (req.kind) {
    case 'send':
      return setMessageState(s, req.key, id, 'failed', SEND_CODES_IN_WORDS.has(problem.code ?? '') ? inWords(problem) : message);
    case 'history':
      return followJump(update(s, req.key, (c) => ({ ...c, history: { ...c.history, loading: false, error: message } })));
    case 'join':
      return systemLine(update(s, req.key, (c) => ({ ...c, member: false })), req.key, `Could not join: ${message}`, at, 'error');
    case 'leave':
      return systemLine(s, req.key, `Could not leave: ${message}`, at, 'error');
    case 'invite':
      return systemLine(s, req.key, `Could not add ${req.user}: ${message}`, at, 'error');
    default:
      return onFeatureRefused(s, req, problem, at);
  }
}

function onHistory(state: ChatState, frame: HistoryAnswerFrame): ChatState {
  const req: RequestInfo | undefined = frame.id !== undefined ? state.requests[frame.id] : undefined;
  const key = req?.kind === 'history' ? req.key : frame.room ? roomKey(frame.room) : frame.with ? directKey(frame.with) : LOBBY;
  const older = req?.kind === 'history' ? req.older : false;
  const s = frame.id !== undefined ? { ...state, requests: without(state.requests, frame.id) } : state;
  return update(s, key, (c) => {
    let lines = c.lines;
    for (const m of frame.messages) lines = mergeMessage(lines, m, state.me);
    // A refresh of the newest page (after a reconnect) keeps a cursor that already
    // reaches further back; overlapping pages are harmless since merging de-duplicates.
    const next = older ? frame.next : (c.history.next ?? frame.next);
    return { ...c, lines, history: { loaded: true, loading: false, next } };
  });
}

/**
 * The state frame is a snapshot taken when the connection registered; presence
 * frames travel to other targets in other sessions and may overtake it, so
 * the presence news already seen on this socket are laid over the snapshot.
 */
function onState(state: ChatState, frame: StateFrame): ChatState {
  const online = new Set(frame.online);
  for (const [user, isOnline] of Object.entries(state.presenceSeen)) {
    if (isOnline) online.add(user);
    else online.delete(user);
  }
  let s: ChatState = { ...state, online: [...online] };
  const rooms = new Set(frame.rooms);
  const privateRooms = new Set(frame.privateRooms ?? []);
  for (const room of rooms) {
    const isPrivate = privateRooms.has(room);
    s = update(s, roomKey(room), (c) => (c.member && (c.private === true) === isPrivate ? c : { ...c, member: true, private: isPrivate }));
  }
  for (const c of Object.values(s.conversations)) {
    if (c.kind === 'room' && c.member && !rooms.has(c.name)) s = update(s, c.key, (x) => ({ ...x, member: false }));
  }
  return s;
}

function onPresence(state: ChatState, frame: PresenceFrame, at: string): ChatState {
  const presenceSeen = { ...state.presenceSeen, [frame.user]: frame.online };
  const was = state.online.includes(frame.user);
  if (was === frame.online) return { ...state, presenceSeen };
  const online = frame.online ? [...state.online, frame.user] : state.online.filter((u) => u !== frame.user);
  const s = { ...state, online, presenceSeen };
  if (frame.user === state.me) return s;
  const who = nameOf(s, frame.user);
  return systemLine(s, LOBBY, frame.online ? `${who} is online` : `${who} went offline`, at);
}

function onRoom(received: ChatState, frame: RoomFrame, at: string): ChatState {
  const key = roomKey(frame.room);
  const mine = frame.user === received.me;
  // Only members hear `joined` and `invited`, and those of a private room say so (the lock mark).
  const state = frame.private === true && frame.event !== 'left' ? update(received, key, (c) => (c.private ? c : { ...c, private: true })) : received;
  const who = nameOf(state, frame.user);
  if (frame.event === 'left') {
    if (mine) return removeConversation(state, key);
    return state.conversations[key] ? systemLine(state, key, `${who} left`, at) : state;
  }
  if (frame.event === 'joined') {
    if (!mine) return systemLine(state, key, `${who} joined`, at);
    const was = state.conversations[key]?.member === true && hasLine(state, key, 'You joined');
    const s = update(state, key, (c) => ({ ...c, member: true }));
    return was ? s : systemLine(s, key, `You joined #${frame.room}`, at);
  }
  const by = frame.by ? `${nameOf(state, frame.by)} added` : 'Added';
  if (!mine) return systemLine(state, key, `${by} ${who}`, at);
  const s = update(state, key, (c) => ({ ...c, member: true, unread: c.unread + (state.active === key ? 0 : 1) }));
  return systemLine(s, key, `${by} you to #${frame.room}`, at);
}

function setMessageState(state: ChatState, key: ConversationKey, clientId: string, to: 'sent' | 'failed', error?: string): ChatState {
  return update(state, key, (c) => ({
    ...c,
    lines: c.lines.map((l) => {
      if (l.kind !== 'message' || l.clientId !== clientId || l.from !== state.me) return l;
      // A message already seen back from the server stays sent; an ack cannot downgrade it.
      if (to === 'sent' && l.state !== 'pending') return l;
      return { ...l, state: to, error };
    }),
  }));
}

