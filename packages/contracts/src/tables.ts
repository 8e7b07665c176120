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
  /** One partition per conversation: its messages, the claims of the frames aimed at it and, for a room, its members. */
  messages: 'messages',
  memberships: 'memberships',
  presence: 'presence',
  connections: 'connections',
} as const;

/** The projections `parley rebuild` clears: everything but the event log. */
export const PROJECTION_TABLES = [Tables.messages, Tables.memberships, Tables.presence, Tables.connections] as const;

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

/*
 * Row kinds of a conversation partition in `messages`. Message row keys start with a digit;
 * the other kinds start with `~`, which sorts after every digit, so a history scan stops
 * before them (`RowKey lt CONVERSATION_META_FROM`). `:` separates the parts: keyPart
 * always escapes it, so no two (user, id) pairs share a key. Keeping a send's claim and a
 * room's members in the partition of its messages lets one entity group transaction insert
 * the claim, store the message and check the membership: one round trip (docs/architecture.md § Storage).
 */
export const CONVERSATION_META_FROM = '~';

/** A room member's row, in the room's conversation partition; the room exists while it has one. */
export const roomMemberKeys = (hub: string, room: string, user: string) => ({
  partitionKey: conversationKey(hub, roomConversation(room)),
  rowKey: `~member:${keyPart(user)}`,
});
/** The row-key range of a room's member rows (`ge from` and `lt to`). */
export const ROOM_MEMBER_RANGE = { from: '~member:', to: '~member;' } as const;
export function memberOfRowKey(rowKey: string): string | undefined {
  return rowKey.startsWith(ROOM_MEMBER_RANGE.from) ? fromKeyPart(rowKey.slice(ROOM_MEMBER_RANGE.from.length)) : undefined;
}

export const membershipsKeys = (hub: string, user: string, room: string) => ({
  partitionKey: `${keyPart(hub)}_${keyPart(user)}`,
  rowKey: keyPart(room),
});
export const presenceKeys = (hub: string, user: string) => ({ partitionKey: keyPart(hub), rowKey: keyPart(user) });
export const connectionsKeys = (hub: string, user: string, connectionId: string) => ({
  partitionKey: `${keyPart(hub)}_${keyPart(user)}`,
  rowKey: keyPart(connectionId),
});
/**
 * The claim of (user, client frame id) on the conversation the frame is aimed at (the room of a
 * join/leave/invite, the conversation of a send): a resent frame is stored and delivered once.
 */
export const claimKeys = (hub: string, conversation: Conversation, user: string, clientId: string) => ({
  partitionKey: conversationKey(hub, conversation),
  rowKey: `~claim:${keyPart(user)}:${keyPart(clientId)}`,
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

export interface ClaimEntity {
  partitionKey: string;
  rowKey: string;
  /** The event that claimed the frame; another event with the same (user, id) is a resend. */
  eventId: string;
  /** JSON of the state the rule decided on, so a redelivery decides the same. */
  state?: string;
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
