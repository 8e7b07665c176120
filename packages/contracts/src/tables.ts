import type { ChatEvent } from './bus-events.js';
import { partitionOf } from './partition.js';

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
  /** Public rooms by name with their member counts, one partition per hub: the `directory` frame's listing. */
  directory: 'directory',
} as const;

/**
 * Leases of background tasks that only one copy of a service may run at a time (the retention
 * sweep): one row per hub and task, taken and renewed with its ETag. Not a projection.
 */
export const LEASES_TABLE = 'leases';
export const leaseKeys = (hub: string, task: string) => ({ partitionKey: keyPart(hub), rowKey: keyPart(task) });

/** The projections `parley rebuild` clears: everything but the event log. */
export const PROJECTION_TABLES = [Tables.messages, Tables.memberships, Tables.presence, Tables.connections, Tables.directory] as const;

export function keyPart(name: string): string {
  return encodeURIComponent(name).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function fromKeyPart(key: string): string {
  return decodeURIComponent(key);
}

/**
 * How many partitions the event log spreads one hour of one hub over. Fixed, not PARTITIONS:
 * the replay tool must find every partition of an hour without knowing the services'
 * settings. 32 keeps each one far below Table Storage's ~2,000 entities/s per partition at
 * 10,000 events/s (about 310/s each; docs/architecture.md § Storage).
 */
export const EVENT_LOG_SHARDS = 32;

/**
 * The hour's partition of the event log as it was before the log was spread (`<hub>_yyyyMMddHH`):
 * logs written then are still read (packages/cli replay/event-log.ts), never written to.
 */
export function eventsPartitionKey(hub: string, at: Date): string {
  const iso = at.toISOString();
  return `${keyPart(hub)}_${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}`;
}

/** The shard of the event log a user's events go to: all of one user's events share it, in order. */
export function eventLogShard(userId: string): number {
  return partitionOf(userId, EVENT_LOG_SHARDS);
}

/** `events` partition: hub + UTC hour bucket + shard, `<hub>_yyyyMMddHH_ss`. */
export function eventsShardKey(hub: string, at: Date, shard: number): string {
  return `${eventsPartitionKey(hub, at)}_${String(shard).padStart(2, '0')}`;
}

/** Every partition one hour of one hub may have: the shards, and the hour's partition of older logs. */
export function eventsHourKeys(hub: string, hour: Date): string[] {
  return [eventsPartitionKey(hub, hour), ...Array.from({ length: EVENT_LOG_SHARDS }, (_, shard) => eventsShardKey(hub, hour, shard))];
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

/** The message id of a message row key (messageRowKey's inverse); undefined for any other row kind. */
export function messageIdOfRowKey(rowKey: string): string | undefined {
  return /^\d{13}_(.+)$/.exec(rowKey)?.[1];
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
/**
 * A user's direct chat with `peer`, in the user's `memberships` partition beside their rooms, so
 * one query at connect finds both. A room's row key is keyPart(room), which escapes `:`, so no
 * room's key starts with DIRECT_CHAT_ROW_PREFIX.
 */
export const DIRECT_CHAT_ROW_PREFIX = '~direct:';
export const directChatKeys = (hub: string, user: string, peer: string) => ({
  partitionKey: membershipsKeys(hub, user, '').partitionKey,
  rowKey: `${DIRECT_CHAT_ROW_PREFIX}${keyPart(peer)}`,
});
/**
 * How many partitions a hub's presence rows spread over: every connect and disconnect writes one,
 * so one partition per hub would cap the whole chat's connection churn at one partition's rate.
 */
export const PRESENCE_SHARDS = 16;
/**
 * At most this many users in a `state` frame's `online` list: the read at a connect takes a
 * bounded number from each presence shard instead of every user online (docs/architecture.md § Presence).
 */
export const ONLINE_LIST_LIMIT = 256;

export const presenceShardKey = (hub: string, shard: number) => `${keyPart(hub)}_${String(shard).padStart(2, '0')}`;
export const presenceKeys = (hub: string, user: string) => ({
  partitionKey: presenceShardKey(hub, partitionOf(user, PRESENCE_SHARDS)),
  rowKey: keyPart(user),
});
/** A user's connection rows: one per connection, live or closed (a tombstone), in the user's partition. */
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

/**
 * A message's index row in its conversation partition: the message id points to its row key,
 * so frames that name a message by id (edit, delete, react, reply, read) find it with one point
 * read. Written in the same transaction as the message.
 */
/** The row key of a message's index row, in its conversation's partition. */
export const messageIndexRowKey = (messageId: string): string => `~msg:${messageId}`;

export const messageIndexKeys = (hub: string, conversation: Conversation, messageId: string) => ({
  partitionKey: conversationKey(hub, conversation),
  rowKey: messageIndexRowKey(messageId),
});

export interface MessageIndexEntity {
  partitionKey: string;
  rowKey: string;
  /** The message's row key (messageRowKey of its time and id). */
  messageRowKey: string;
}

/** A ban of a user from a room, in the room's partition: it outlives leave and join, until lifted. */
export const roomBanKeys = (hub: string, room: string, user: string) => ({
  partitionKey: conversationKey(hub, roomConversation(room)),
  rowKey: `~ban:${keyPart(user)}`,
});
/** The row-key range of a room's ban rows. */
export const ROOM_BAN_RANGE = { from: '~ban:', to: '~ban;' } as const;

export interface RoomBanEntity {
  partitionKey: string;
  rowKey: string;
  room: string;
  user: string;
  /** Who banned them (the owner or a moderator), when, and the event that did. */
  by: string;
  at: string;
  eventId: string;
}

/**
 * A member's voice in a room: present while they are a member and not muted. A room send's
 * commit checks this row (as it would the member row), so a mute needs no read on the hot path:
 * the muted member's commit fails, the worker reads the state and refuses the send.
 */
export const roomVoiceKeys = (hub: string, room: string, user: string) => ({
  partitionKey: conversationKey(hub, roomConversation(room)),
  rowKey: `~voice:${keyPart(user)}`,
});

/**
 * A mute's end, kept in the room's partition apart from the member row so that it outlives a leave:
 * a muted member who leaves and joins again is still muted. Rewritten by every mute (an unmute
 * writes the time it ended); a join reads it.
 */
export const roomMuteKeys = (hub: string, room: string, user: string) => ({
  partitionKey: conversationKey(hub, roomConversation(room)),
  rowKey: `~mute:${keyPart(user)}`,
});

/** A public room's entry in the directory: one partition per hub, rows by the room's encoded name, so a name prefix is a key range. */
export const directoryKeys = (hub: string, room: string) => ({ partitionKey: keyPart(hub), rowKey: keyPart(room) });

export interface DirectoryEntity {
  partitionKey: string;
  rowKey: string;
  room: string;
  /** Members now, copied from the room row; 0 once the last one left (not listed). */
  members: number;
}

/** A user's read position in a conversation, in its partition: "seen by" reads a room's positions in one range. */
export const readPositionKeys = (hub: string, conversation: Conversation, user: string) => ({
  partitionKey: conversationKey(hub, conversation),
  rowKey: `~read:${keyPart(user)}`,
});
/** The row-key range of a conversation's read positions. */
export const READ_POSITION_RANGE = { from: '~read:', to: '~read;' } as const;

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
  /** The sender's display name when the message was sent. */
  fromName?: string;
  room?: string;
  to?: string;
  text: string;
  at: string;
  /** JSON of the QuotedMessage this message answers. */
  replyTo?: string;
  editedAt?: string;
  /** Taken back: `text` is empty. */
  deleted?: boolean;
  /** JSON of the message's Reaction list (each with every reacting user, so a removal is exact). */
  reactions?: string;
  /** JSON of the mentioned user ids. */
  mentions?: string;
}

export interface MemberEntity {
  partitionKey: string;
  rowKey: string;
  room: string;
  user: string;
  joinedAt: string;
  /** The event that created the membership, for idempotence. */
  eventId: string;
  /** Set when the room is private (the user's room list shows it without reading the room). */
  private?: boolean;
  /** `moderator` when the owner made them one; absent: a member (the owner is the room row's `createdBy`). */
  role?: 'moderator';
  /** ISO time a mute ends; absent or past: not muted. */
  mutedUntil?: string;
}

/** The user has a direct chat with `peer`: written (insert only) with each direct message, for both of them. */
export interface DirectChatEntity {
  partitionKey: string;
  rowKey: string;
  user: string;
  peer: string;
}

export interface PresenceEntity {
  partitionKey: string;
  rowKey: string;
  user: string;
  /** Absent on a row written only by the user's `chat.profile` (they never connected yet). */
  online?: boolean;
  connectionCount?: number;
  lastSeen?: string;
  /** The display name of the user's latest `chat.profile`; presence writes merge, so it stays. */
  name?: string;
}

/**
 * A connection of a user. Live while `closedAt` is absent; once its `chat.disconnected` was handled
 * it stays as a tombstone, so a `chat.connected` that arrives later (handled by another gateway
 * or worker, or redelivered) finds it closed and cannot open it again.
 */
export interface ConnectionEntity {
  partitionKey: string;
  rowKey: string;
  user: string;
  connectionId: string;
  /** When it connected; absent on a tombstone written before its `chat.connected` was seen. */
  connectedAt?: string;
  /** The event that wrote the row last (connected, or the disconnected that closed it). */
  eventId: string;
  closedAt?: string;
  /** Set when the worker refused the connection (e.g. PARLEY_TOO_MANY_CONNECTIONS) instead of a disconnect. */
  refused?: string;
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
    partitionKey: eventsShardKey(metadata.hub, receivedAt, eventLogShard(metadata.userId)),
    rowKey: metadata.eventId,
    type: event.type,
    hub: metadata.hub,
    connectionId: metadata.connectionId,
    userId: metadata.userId,
    receivedAt: metadata.receivedAt,
    envelope: JSON.stringify(event),
  };
}
