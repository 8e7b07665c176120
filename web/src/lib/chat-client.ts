import type { ClientFrame, HistoryFrame } from '@parley/contracts';
import type { BackoffOptions } from './backoff.js';
import { initialState, type ChatMessage, type ChatState } from './chat-state.js';
import { TYPING_EXPIRES_MS, TYPING_INTERVAL_MS, type EmojiName } from './emoji.js';
import { newestMessage } from './message-lines.js';
import { ChatConnection, type ConnectionStatus, type SocketLike, type Timers } from './connection.js';
import { newClientId } from './ids.js';
import { historyTarget, parseKey, roomKey, sendTarget, directKey, type ConversationKey } from './keys.js';
import { negotiate, type FetchLike } from './negotiate.js';
import { reduce, type ChatEvent } from './reducer.js';
import { checkName, checkText, checkUserName } from './limits.js';

export interface ChatClientDeps {
  readonly name: string;
  readonly fetch: FetchLike;
  /** The current OpenID Connect access token, read again for every negotiate (it is renewed). */
  readonly accessToken?: () => Promise<string | undefined>;
  createSocket(url: string, protocol: string): SocketLike;
  readonly now?: () => Date;
  readonly newId?: () => string;
  readonly timers?: Timers;
  readonly random?: () => number;
  readonly backoff?: BackoffOptions;
  readonly historyPageSize?: number;
  readonly directoryPageSize?: number;
}

type Listener = (state: ChatState) => void;

/** Moderation a room's owner or moderators can do from the members panel. */
export type ModerationAction =
  | { readonly kind: 'role'; readonly role: 'moderator' | 'member' }
  | { readonly kind: 'remove' }
  | { readonly kind: 'ban'; readonly lift?: boolean }
  | { readonly kind: 'mute'; readonly minutes: number };

const browserTimers: Timers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * The page's chat logic without any framework: user commands become client
 * frames, server frames and connection changes become reducer events. The
 * components only read `state` and call these methods.
 */
export class ChatClient {
  #state: ChatState;
  readonly #listeners = new Set<Listener>();
  readonly #connection: ChatConnection;
  readonly #now: () => Date;
  readonly #newId: () => string;
  readonly #pageSize: number;
  readonly #directoryPageSize: number;
  readonly #timers: Timers;
  /** When this page last said it types, per conversation (ms). */
  readonly #typingSentAt = new Map<ConversationKey, number>();
  #typingTick: unknown;

  constructor(deps: ChatClientDeps) {
    this.#state = initialState(deps.name);
    this.#timers = deps.timers ?? browserTimers;
    this.#now = deps.now ?? (() => new Date());
    this.#newId = deps.newId ?? (() => newClientId());
    this.#pageSize = deps.historyPageSize ?? 50;
    // A page of rooms that fits a screen or two; "More rooms" asks for the next.
    this.#directoryPageSize = deps.directoryPageSize ?? 20;
    this.#connection = new ChatConnection(
      {
        negotiate: async () => negotiate(deps.fetch, deps.name, undefined, await deps.accessToken?.()),
        createSocket: deps.createSocket,
        ...(deps.timers ? { timers: deps.timers } : {}),
        ...(deps.random ? { random: deps.random } : {}),
        ...(deps.backoff ? { backoff: deps.backoff } : {}),
      },
      {
        onFrame: (frame) => {
          const now = this.#now();
          this.#dispatch({ type: 'frame', frame, at: now.toISOString(), nowMs: now.getTime() });
          if (frame.type === 'typing') this.#scheduleTypingTick();
          // Joining a room (or being added) makes its member list, and the user's role there, worth knowing.
          if (frame.type === 'room' && frame.user === this.#state.me && frame.event !== 'left' && roomKey(frame.room) === this.#state.active) {
            this.requestMembers(roomKey(frame.room));
          }
          // A new role shows more (or less) of the list, such as who is banned: ask again.
          if (frame.type === 'moderation' && frame.action === 'role' && frame.user === this.#state.me && this.#state.conversations[roomKey(frame.room)]?.members) {
            this.requestMembers(roomKey(frame.room));
          }
        },
        onStatus: (status) => this.#dispatch(linkEvent(status)),
        onOpen: () => {
          this.#dispatch({ type: 'socket-open' });
          this.#ensureHistory(this.#state.active);
          if (parseKey(this.#state.active).kind === 'room') this.requestMembers(this.#state.active);
        },
      },
    );
  }

  get state(): ChatState {
    return this.#state;
  }

  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  start(): void {
    this.#connection.start();
  }

  stop(): void {
    this.#connection.stop();
  }

  retryNow(): void {
    this.#connection.retryNow();
  }

  open(key: ConversationKey): void {
    this.#dispatch({ type: 'open', key });
    this.#ensureHistory(key);
    const c = this.#state.conversations[key];
    if (c?.kind === 'room' && c.member && !c.members) this.requestMembers(key);
  }

  openDirect(user: string): void {
    if (user !== this.#state.me) this.open(directKey(user));
  }

  /** Returns an error message for the composer, or undefined when the text went out. */
  sendText(text: string, key: ConversationKey = this.#state.active, replyTo?: ChatMessage): string | undefined {
    const problem = checkText(text);
    if (problem) return problem;
    const id = this.#newId();
    const quote = replyTo?.id === undefined ? undefined : { id: replyTo.id, from: replyTo.from, text: replyTo.text, ...(replyTo.fromName ? { fromName: replyTo.fromName } : {}) };
    this.#dispatch({ type: 'send', id, key, text, at: this.#now().toISOString(), ...(quote ? { replyTo: quote } : {}) });
    this.#send({ type: 'send', id, text, ...sendTarget(key), ...(quote ? { replyTo: quote.id } : {}) });
    // A message says more than "is typing": the next keystroke may say it again at once.
    this.#typingSentAt.delete(key);
    return undefined;
  }

  /** Replaces the text of one's own message; answers with a problem to show, or undefined. */
  edit(key: ConversationKey, message: string, text: string): string | undefined {
    const problem = checkText(text);
    if (problem) return problem;
    const id = this.#newId();
    this.#dispatch({ type: 'request', id, info: { kind: 'edit', key, message } });
    this.#send({ type: 'edit', id, ...sendTarget(key), message, text });
    return undefined;
  }

  deleteMessage(key: ConversationKey, message: string): void {
    const id = this.#newId();
    this.#dispatch({ type: 'request', id, info: { kind: 'delete', key, message } });
    this.#send({ type: 'delete', id, ...sendTarget(key), message });
  }

  /** Adds the user's reaction, or takes it back (`remove`). */
  react(key: ConversationKey, message: string, emoji: EmojiName, remove = false): void {
    const id = this.#newId();
    this.#dispatch({ type: 'request', id, info: { kind: 'react', key, message } });
    this.#send({ type: 'react', id, ...sendTarget(key), message, emoji, ...(remove ? { remove: true as const } : {}) });
  }

  /** Says "I am typing" in a room or a direct chat, at most once per TYPING_INTERVAL_MS there. */
  typing(key: ConversationKey = this.#state.active): void {
    if (parseKey(key).kind === 'lobby' || !this.#connection.isOpen) return;
    const now = this.#now().getTime();
    const last = this.#typingSentAt.get(key);
    if (last !== undefined && now - last < TYPING_INTERVAL_MS) return;
    this.#typingSentAt.set(key, now);
    const id = this.#newId();
    this.#dispatch({ type: 'request', id, info: { kind: 'typing', key } });
    // Not durable: "is typing" resent after a reconnect would be stale.
    this.#connection.send({ type: 'typing', id, ...sendTarget(key) }, false);
  }

  /** The page gained or lost the reader's attention (focus, visibility). */
  setFocused(focused: boolean): void {
    this.#dispatch({ type: 'focus', focused });
  }

  requestMembers(key: ConversationKey = this.#state.active): void {
    const ref = parseKey(key);
    if (ref.kind !== 'room' || !this.#connection.isOpen) return;
    const id = this.#newId();
    this.#dispatch({ type: 'members-request', id, key });
    this.#connection.send({ type: 'members', id, room: ref.name }, false);
  }

  /** Lists public rooms whose name starts with `prefix` (a new search), or the next page of the current one. */
  browse(prefix: string, more = false): void {
    if (!this.#connection.isOpen) return;
    const d = this.#state.directory;
    if (more && (d.next === null || d.loading)) return;
    const id = this.#newId();
    const trimmed = (more ? d.prefix : prefix).trim();
    this.#dispatch({ type: 'directory-request', id, prefix: trimmed, append: more });
    this.#connection.send(
      { type: 'directory', id, ...(trimmed ? { prefix: trimmed } : {}), ...(more && d.next !== null ? { after: d.next } : {}), limit: this.#directoryPageSize },
      false,
    );
  }

  moderate(room: string, user: string, action: ModerationAction): void {
    const id = this.#newId();
    const key = roomKey(room);
    const name =
      action.kind === 'role' ? action.role : action.kind === 'ban' ? (action.lift ? 'unban' : 'ban') : action.kind === 'mute' ? (action.minutes === 0 ? 'unmute' : 'mute') : 'remove';
    this.#dispatch({ type: 'request', id, info: { kind: 'moderate', key, action: name, user } });
    switch (action.kind) {
      case 'role':
        return this.#send({ type: 'role', id, room, user, role: action.role });
      case 'remove':
        return this.#send({ type: 'remove', id, room, user });
      case 'ban':
        return this.#send({ type: 'ban', id, room, user, ...(action.lift ? { lift: true as const } : {}) });
      case 'mute':
        return this.#send({ type: 'mute', id, room, user, minutes: action.minutes });
    }
  }

  /** Shows a message (a reply's quote), paging back through history until it is found or the start is reached. */
  jumpTo(key: ConversationKey, message: string): void {
    this.#dispatch({ type: 'jump', key, id: message });
  }

  jumpDone(): void {
    this.#dispatch({ type: 'jump-done' });
  }

  /** Joins a room, or creates it; `isPrivate` makes a room this join creates private. */
  join(room: string, isPrivate = false): string | undefined {
    const problem = checkName(room.trim(), 'room');
    if (problem) return problem;
    const id = this.#newId();
    this.#dispatch({ type: 'join', id, room: room.trim() });
    this.#send({ type: 'join', id, room: room.trim(), ...(isPrivate ? { private: true } : {}) });
    this.#ensureHistory(roomKey(room.trim()));
    return undefined;
  }

  leave(room: string): void {
    const id = this.#newId();
    this.#dispatch({ type: 'leave', id, room });
    this.#send({ type: 'leave', id, room });
  }

  invite(room: string, user: string): string | undefined {
    const problem = checkUserName(user.trim());
    if (problem) return problem;
    const id = this.#newId();
    this.#dispatch({ type: 'invite', id, room, user: user.trim() });
    this.#send({ type: 'invite', id, room, user: user.trim() });
    return undefined;
  }

  /** Loads the next older page of a conversation, if there is one and none is on its way. */
  loadOlder(key: ConversationKey = this.#state.active): void {
    const c = this.#state.conversations[key];
    if (!c || c.history.loading || !c.history.loaded || c.history.next === null) return;
    this.#requestHistory(key, c.history.next);
  }

  #ensureHistory(key: ConversationKey): void {
    const c = this.#state.conversations[key];
    if (c && (c.history.loaded || c.history.loading)) return;
    this.#requestHistory(key, undefined);
  }

  #requestHistory(key: ConversationKey, before: string | undefined): void {
    if (!this.#connection.isOpen) return; // asked again on the next open
    const id = this.#newId();
    const frame: HistoryFrame = { type: 'history', id, ...historyTarget(key), limit: this.#pageSize, ...(before ? { before } : {}) };
    this.#dispatch({ type: 'history-request', id, key, older: before !== undefined });
    this.#send(frame);
  }

  #send(frame: ClientFrame): void {
    this.#connection.send(frame);
  }

  #dispatch(event: ChatEvent): void {
    const next = reduce(this.#state, event);
    if (next === this.#state) return;
    this.#state = next;
    for (const listener of this.#listeners) listener(next);
    this.#followUp();
  }

  /** What a new state asks of the page on its own: read what is shown, page back for a jump. */
  #followUp(): void {
    const s = this.#state;
    if (s.jump?.status === 'searching' && s.jump.key === s.active) this.loadOlder(s.jump.key);
    this.#markRead();
  }

  /** Sends `read` for the newest message someone else wrote in the conversation shown, while the page is focused. */
  #markRead(): void {
    const s = this.#state;
    const c = s.conversations[s.active];
    if (!c || !s.focused || s.link !== 'online' || !c.member) return;
    const newest = newestMessage(c.lines, s.me);
    if (!newest?.id || (c.lastRead !== undefined && c.lastRead >= newest.id)) return;
    const id = this.#newId();
    this.#dispatch({ type: 'read', id, key: c.key, message: newest.id });
    this.#send({ type: 'read', id, ...sendTarget(c.key), message: newest.id });
  }

  #scheduleTypingTick(): void {
    this.#timers.clearTimeout(this.#typingTick);
    const soonest = Math.min(...Object.values(this.#state.conversations).flatMap((c) => Object.values(c.typing)));
    if (!Number.isFinite(soonest)) return;
    const wait = Math.max(0, Math.min(TYPING_EXPIRES_MS, soonest - this.#now().getTime()));
    this.#typingTick = this.#timers.setTimeout(() => {
      this.#dispatch({ type: 'tick', nowMs: this.#now().getTime() });
      this.#scheduleTypingTick();
    }, wait + 50);
  }
}

function linkEvent(status: ConnectionStatus): ChatEvent {
  switch (status.kind) {
    case 'connecting':
      return { type: 'link', link: status.attempt === 0 ? 'connecting' : 'reconnecting', detail: 'connecting…' };
    case 'open':
      return { type: 'link', link: 'online' };
    case 'waiting':
      return { type: 'link', link: 'reconnecting', detail: `retrying in ${Math.ceil(status.retryInMs / 1000)} s (${status.reason})` };
    case 'stopped':
      return { type: 'link', link: 'stopped', ...(status.error ? { detail: `${status.error.message} [${status.error.code}]` } : {}) };
  }
}
