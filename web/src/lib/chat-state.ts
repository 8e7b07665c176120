import type { MembersAnswerFrame, MessageFrame } from '@parley/contracts';
import { LOBBY, parseKey, type ConversationKey, type ConversationKind } from './keys.js';

export type MessageState = 'pending' | 'sent' | 'failed';
export type QuotedMessage = NonNullable<MessageFrame['replyTo']>;
export type Reaction = NonNullable<MessageFrame['reactions']>[number];
export type Member = MembersAnswerFrame['members'][number];

export interface ChatMessage {
  readonly kind: 'message';
  /** Stable key for rendering: the server id once known, else the client id. */
  readonly key: string;
  readonly id?: string;
  readonly clientId?: string;
  readonly from: string;
  /** The sender's display name when they sent it (the server's `fromName`); `from` is shown when absent. */
  readonly fromName?: string;
  readonly text: string;
  readonly at: string;
  readonly state: MessageState;
  readonly error?: string;
  /** The message this one answers, quoted as it was when answered. */
  readonly replyTo?: QuotedMessage;
  readonly editedAt?: string;
  /** Taken back: the text is gone and the page shows "message deleted". */
  readonly deleted?: boolean;
  readonly reactions?: readonly Reaction[];
  /** Users the text mentions by `@name` (ids). */
  readonly mentions?: readonly string[];
}

export interface SystemLine {
  readonly kind: 'system';
  readonly key: string;
  readonly text: string;
  readonly at: string;
  readonly tone?: 'error';
}

export type Line = ChatMessage | SystemLine;

export interface HistoryState {
  /** The newest page was loaded at least once (since the last reconnect). */
  readonly loaded: boolean;
  readonly loading: boolean;
  /** Cursor for the next older page; null when the start was reached. */
  readonly next: string | null;
  readonly error?: string;
}

export interface Conversation {
  readonly key: ConversationKey;
  readonly kind: ConversationKind;
  readonly name: string;
  /** Oldest first. */
  readonly lines: readonly Line[];
  readonly unread: number;
  /** Rooms: whether the user is (or is becoming) a member. Always true otherwise. */
  readonly member: boolean;
  /** Rooms: private (joined only by a member's invitation, listed to members only). */
  readonly private?: boolean;
  readonly history: HistoryState;
  /** Of `unread`, the messages that mention the user. */
  readonly mentions: number;
  /** The user's read position (a message id), from the server or this page's own `read` frames. */
  readonly lastRead?: string;
  /** Others' read positions (user → message id), for "seen by". */
  readonly readBy: Readonly<Record<string, string>>;
  /** Who is typing here: user → when it stops showing (ms since the epoch). */
  readonly typing: Readonly<Record<string, number>>;
  /** Rooms: the member list, once asked for. */
  readonly members?: MembersState;
}

export interface MembersState {
  readonly loading: boolean;
  readonly list: readonly Member[];
  /** Banned users: listed to the owner and moderators only. */
  readonly banned?: readonly string[];
  readonly error?: string;
}

export interface DirectoryState {
  readonly prefix: string;
  readonly rooms: readonly { readonly room: string; readonly members: number }[];
  readonly next: string | null;
  readonly loading: boolean;
  /** The request whose answer is awaited; older answers are dropped. */
  readonly requestId?: string;
  readonly error?: string;
}

/** A jump to a message (a reply's quote): found in the lines, still paging back, or not there. */
export interface JumpState {
  readonly key: ConversationKey;
  readonly id: string;
  readonly status: 'searching' | 'found' | 'gone';
}

/** What a client frame id was for, so its ack or error can be applied. */
export type RequestInfo =
  | { readonly kind: 'send'; readonly key: ConversationKey }
  | { readonly kind: 'join' | 'leave'; readonly key: ConversationKey }
  | { readonly kind: 'invite'; readonly key: ConversationKey; readonly user: string }
  | { readonly kind: 'history'; readonly key: ConversationKey; readonly older: boolean }
  | { readonly kind: 'edit' | 'delete' | 'react' | 'typing' | 'read'; readonly key: ConversationKey; readonly message?: string }
  | { readonly kind: 'members'; readonly key: ConversationKey }
  | { readonly kind: 'directory'; readonly append: boolean }
  | { readonly kind: 'moderate'; readonly key: ConversationKey; readonly action: string; readonly user: string };

export type LinkState = 'connecting' | 'online' | 'reconnecting' | 'stopped';

export interface ChatState {
  readonly me: string;
  readonly link: LinkState;
  readonly linkDetail?: string;
  readonly conversations: Readonly<Record<string, Conversation>>;
  readonly active: ConversationKey;
  readonly online: readonly string[];
  /** Display names by user id, as the server frames told them (ids are opaque: an Entra `oid`). */
  readonly names: Readonly<Record<string, string>>;
  /** The latest presence frame per user since the socket opened (see onState). */
  readonly presenceSeen: Readonly<Record<string, boolean>>;
  /**
   * Unread messages that arrived on this socket before its `state` frame (per conversation key);
   * undefined once the state frame was applied. The state frame's counts are a snapshot that
   * live messages may overtake, so these are its floor (see applyUnread).
   */
  readonly unreadBeforeState?: Readonly<Record<string, number>>;
  readonly requests: Readonly<Record<string, RequestInfo>>;
  /** Counter for system line keys (keeps the reducer pure). */
  readonly seq: number;
  /** The page has the keyboard focus and is visible: what is shown is being read. */
  readonly focused: boolean;
  readonly directory: DirectoryState;
  readonly jump?: JumpState;
}

export function emptyConversation(key: ConversationKey, member = true): Conversation {
  const ref = parseKey(key);
  return {
    key,
    kind: ref.kind,
    name: ref.kind === 'lobby' ? 'Lobby' : ref.name,
    lines: [],
    unread: 0,
    mentions: 0,
    member,
    history: { loaded: false, loading: false, next: null },
    readBy: {},
    typing: {},
  };
}

export function initialState(me: string): ChatState {
  return {
    me,
    link: 'connecting',
    conversations: { [LOBBY]: emptyConversation(LOBBY) },
    active: LOBBY,
    online: [],
    names: {},
    presenceSeen: {},
    requests: {},
    seq: 0,
    focused: true,
    directory: { prefix: '', rooms: [], next: null, loading: false },
  };
}

/** The name to show for a user: their display name, else the id. */
export function nameOf(state: Pick<ChatState, 'names'>, user: string): string {
  return Object.hasOwn(state.names, user) ? (state.names[user] as string) : user;
}

/** Sidebar order: lobby, rooms by name, direct chats by name. */
export function sortedConversations(state: ChatState): Conversation[] {
  const rank = { lobby: 0, room: 1, direct: 2 } as const;
  return Object.values(state.conversations).sort(
    (a, b) => rank[a.kind] - rank[b.kind] || a.name.localeCompare(b.name),
  );
}

/**
 * Lines by time, so that what arrives live reads as history will: two people's messages
 * can arrive in another order than their times (each user's events go through their own
 * bus session). Server messages of the same millisecond stand as history orders them
 * (messageRowKey: the greater id first); other lines of the same time keep their order.
 */
export function insertLine(lines: readonly Line[], line: Line): Line[] {
  let i = lines.length;
  while (i > 0 && showsAfter(lines[i - 1] as Line, line)) i--;
  return [...lines.slice(0, i), line, ...lines.slice(i)];
}

function showsAfter(shown: Line, line: Line): boolean {
  if (shown.at !== line.at) return shown.at > line.at;
  const [shownId, lineId] = [shown.kind === 'message' ? shown.id : undefined, line.kind === 'message' ? line.id : undefined];
  return shownId !== undefined && lineId !== undefined && shownId < lineId;
}
