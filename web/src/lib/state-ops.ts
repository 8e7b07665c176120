import { emptyConversation, insertLine, type ChatState, type Conversation, type Line, type RequestInfo } from './chat-state.js';
import { LOBBY, type ConversationKey } from './keys.js';

/** Small pure steps the reducers share. */

/** Updates a conversation, creating it first if needed. */
export function update(state: ChatState, key: ConversationKey, fn: (c: Conversation) => Conversation): ChatState {
  const current = state.conversations[key] ?? emptyConversation(key);
  const next = fn(current);
  if (next === current && state.conversations[key]) return state;
  return { ...state, conversations: { ...state.conversations, [key]: next } };
}

/** Updates a conversation only when it is already shown. */
export function updateExisting(state: ChatState, key: ConversationKey, fn: (c: Conversation) => Conversation): ChatState {
  return state.conversations[key] ? update(state, key, fn) : state;
}

export function systemLine(state: ChatState, key: ConversationKey, text: string, at: string, tone?: 'error'): ChatState {
  const line: Line = { kind: 'system', key: `s${state.seq}`, text, at, ...(tone ? { tone } : {}) };
  return { ...update(state, key, (c) => ({ ...c, lines: insertLine(c.lines, line) })), seq: state.seq + 1 };
}

export function removeConversation(state: ChatState, key: ConversationKey): ChatState {
  if (!state.conversations[key] || key === LOBBY) return state;
  const conversations = { ...state.conversations };
  delete conversations[key];
  return { ...state, conversations, active: state.active === key ? LOBBY : state.active };
}

export function request(state: ChatState, id: string, info: RequestInfo): ChatState {
  return { ...state, requests: { ...state.requests, [id]: info } };
}

export function hasLine(state: ChatState, key: ConversationKey, prefix: string): boolean {
  return state.conversations[key]?.lines.some((l) => l.kind === 'system' && l.text.startsWith(prefix)) ?? false;
}

export function without<T>(record: Readonly<Record<string, T>>, id: string): Record<string, T> {
  const copy = { ...record };
  delete copy[id];
  return copy;
}

export function mapValues<K extends string, V>(record: Readonly<Record<K, V>>, fn: (v: V) => V): Record<K, V> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, fn(v as V)])) as Record<K, V>;
}

/** A record with one key set, keeping odd user ids such as "__proto__" as own keys. */
export function withEntry<T>(record: Readonly<Record<string, T>>, key: string, value: T): Record<string, T> {
  return Object.fromEntries([...Object.entries(record).filter(([k]) => k !== key), [key, value]]);
}
