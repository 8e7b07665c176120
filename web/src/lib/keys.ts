/** Conversations are addressed by one string key: the lobby, a room, or a direct chat with a peer. */
export type ConversationKind = 'lobby' | 'room' | 'direct';
export type ConversationKey = 'lobby' | `room:${string}` | `dm:${string}`;

export const LOBBY: ConversationKey = 'lobby';

export function roomKey(room: string): ConversationKey {
  return `room:${room}`;
}

export function directKey(peer: string): ConversationKey {
  return `dm:${peer}`;
}

export interface ConversationRef {
  readonly kind: ConversationKind;
  /** Room name, peer name, or '' for the lobby. */
  readonly name: string;
}

export function parseKey(key: ConversationKey): ConversationRef {
  if (key.startsWith('room:')) return { kind: 'room', name: key.slice(5) };
  if (key.startsWith('dm:')) return { kind: 'direct', name: key.slice(3) };
  return { kind: 'lobby', name: '' };
}

/** The conversation a message belongs to, seen from `me`. */
export function keyOfMessage(me: string, m: { from: string; room?: string; to?: string }): ConversationKey {
  if (m.room !== undefined) return roomKey(m.room);
  if (m.to !== undefined) return directKey(m.from === me ? m.to : m.from);
  return LOBBY;
}

/** Fields that address a conversation in client frames (`send` uses `to`, `history` uses `with`). */
export function sendTarget(key: ConversationKey): { room?: string; to?: string } {
  const ref = parseKey(key);
  if (ref.kind === 'room') return { room: ref.name };
  if (ref.kind === 'direct') return { to: ref.name };
  return {};
}

export function historyTarget(key: ConversationKey): { room?: string; with?: string } {
  const ref = parseKey(key);
  if (ref.kind === 'room') return { room: ref.name };
  if (ref.kind === 'direct') return { with: ref.name };
  return {};
}
