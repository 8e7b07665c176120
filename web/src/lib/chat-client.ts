import type { ClientFrame, HistoryFrame } from '@parley/contracts';
import type { BackoffOptions } from './backoff.js';
import { initialState, type ChatState } from './chat-state.js';
import { ChatConnection, type ConnectionStatus, type SocketLike, type Timers } from './connection.js';
import { newClientId } from './ids.js';
import { historyTarget, roomKey, sendTarget, directKey, type ConversationKey } from './keys.js';
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
}

type Listener = (state: ChatState) => void;

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

  constructor(deps: ChatClientDeps) {
    this.#state = initialState(deps.name);
    this.#now = deps.now ?? (() => new Date());
    this.#newId = deps.newId ?? (() => newClientId());
    this.#pageSize = deps.historyPageSize ?? 50;
    this.#connection = new ChatConnection(
      {
        negotiate: async () => negotiate(deps.fetch, deps.name, undefined, await deps.accessToken?.()),
        createSocket: deps.createSocket,
        ...(deps.timers ? { timers: deps.timers } : {}),
        ...(deps.random ? { random: deps.random } : {}),
        ...(deps.backoff ? { backoff: deps.backoff } : {}),
      },
      {
        onFrame: (frame) => this.#dispatch({ type: 'frame', frame, at: this.#now().toISOString() }),
        onStatus: (status) => this.#dispatch(linkEvent(status)),
        onOpen: () => {
          this.#dispatch({ type: 'socket-open' });
          this.#ensureHistory(this.#state.active);
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
  }

  openDirect(user: string): void {
    if (user !== this.#state.me) this.open(directKey(user));
  }

  /** Returns an error message for the composer, or undefined when the text went out. */
  sendText(text: string, key: ConversationKey = this.#state.active): string | undefined {
    const problem = checkText(text);
    if (problem) return problem;
    const id = this.#newId();
    this.#dispatch({ type: 'send', id, key, text, at: this.#now().toISOString() });
    this.#send({ type: 'send', id, text, ...sendTarget(key) });
    return undefined;
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
