import type { ChatEvent } from './bus-events.js';

/**
 * Table Storage names, entity shapes and every partition/row key builder
 * (docs/style.md §10): the worker, the replay tool and the tests build keys here only.
 *
 * Table keys may not hold `/ \ # ?` or control characters, and room or user
 * names may, so every name is percent-encoded before it becomes a key.
 */
export const Tables = {
  events: 'events',
  messages: 'messages',
  rooms: 'rooms',
  memberships: 'memberships',
  presence: 'presence',
  connections: 'connections',
  dedup: 'dedup',
} as const;

/** The projections `parley rebuild` clears: everything but the event log. */
export const PROJECTION_TABLES = [Tables.messages, Tables.rooms, Tables.memberships, Tables.presence, Tables.connections, Tables.dedup] as const;

export function keyPart(name: string): string {
  return encodeURIComponent(name).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function fromKeyPart(key: string): string {
  return decodeURIComponent(key);
}

/** `events` partition: hub + UTC hour bucket `yyyyMMddHH`. */
export function eventsPartitionKey(hub: string, at: Date): string {
  const iso = at.toISOString();
  return `${keyPart(hub)}_${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}`;
}

export type Conversation = { kind: 'lobby' } | { kind: 'room'; room: string } | { kind: 'direct'; users: readonly [string, string] };

export function lobby(): Conversation {
  return { kind: 'lobby' };
}
export function roomConversation(room: string): Conversation {
  return { kind: 'room', room };
}
/** A direct conversation's key does not depend on who wrote first. */
export function directConversation(a: string, b: string): Conversation {
  return { kind: 'direct', users: a < b ? [a, b] : [b, a] };
}

export function conversationKey(hub: string, conversation: Conversation): string {
  const prefix = keyPart(hub);
  switch (conversation.kind) {
    case 'lobby':
      return `${prefix}_lobby`;
    case 'room':
      return `${prefix}_room_${keyPart(conversation.room)}`;
    case 'direct':
      return `${prefix}_dm_${keyPart(conversation.users[0])}_${keyPart(conversation.users[1])}`;
  }
}

const MAX_MS = 9_999_999_999_999;
/** Inverted time first, so a plain ascending scan returns the newest message first. */
export function messageRowKey(atMs: number, messageId: string): string {
  return `${String(MAX_MS - atMs).padStart(13, '0')}_${messageId}`;
}

export const roomsKeys = (hub: string, room: string, user: string) => ({
  partitionKey: `${keyPart(hub)}_${keyPart(room)}`,
  rowKey: keyPart(user),
});
export const membershipsKeys = (hub: string, user: string, room: string) => ({
  partitionKey: `${keyPart(hub)}_${keyPart(user)}`,
  rowKey: keyPart(room),
});
export const presenceKeys = (hub: string, user: string) => ({ partitionKey: keyPart(hub), rowKey: keyPart(user) });
export const connectionsKeys = (hub: string, user: string, connectionId: string) => ({
  partitionKey: `${keyPart(hub)}_${keyPart(user)}`,
  rowKey: keyPart(connectionId),
});
/** One row per (user, client frame id): a resent frame is stored and delivered once. */
export const dedupKeys = (hub: string, user: string, clientId: string) => ({
  partitionKey: `${keyPart(hub)}_${keyPart(user)}`,
  rowKey: keyPart(clientId),
});

export interface EventEntity {
  partitionKey: string;
  rowKey: string;
  type: string;
  hub: string;
  connectionId: string;
  userId: string;
  receivedAt: string;
  /** The whole envelope as JSON: the source for replay. */
  envelope: string;
}

export interface MessageEntity {
  partitionKey: string;
  rowKey: string;
  messageId: string;
  clientId: string;
  from: string;
  room?: string;
  to?: string;
  text: string;
  at: string;
}

export interface MemberEntity {
  partitionKey: string;
  rowKey: string;
  room: string;
  user: string;
  joinedAt: string;
  /** The event that created the membership, for idempotence. */
  eventId: string;
}

export interface PresenceEntity {
  partitionKey: string;
  rowKey: string;
  user: string;
  online: boolean;
  connectionCount: number;
  lastSeen: string;
}

export interface ConnectionEntity {
  partitionKey: string;
  rowKey: string;
  user: string;
  connectionId: string;
  connectedAt: string;
  eventId: string;
}

export interface DedupEntity {
  partitionKey: string;
  rowKey: string;
  eventId: string;
}

/** The event log row of an event: the worker appends it, replay and rebuild read it back. */
export function eventLogEntity(event: ChatEvent, receivedAt: Date = new Date(event.metadata.receivedAt)): EventEntity {
  const { metadata } = event;
  return {
    partitionKey: eventsPartitionKey(metadata.hub, receivedAt),
    rowKey: metadata.eventId,
    type: event.type,
    hub: metadata.hub,
    connectionId: metadata.connectionId,
    userId: metadata.userId,
    receivedAt: metadata.receivedAt,
    envelope: JSON.stringify(event),
  };
}
