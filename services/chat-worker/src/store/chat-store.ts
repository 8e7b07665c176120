import type { ChatEvent, Conversation, MessageFrame, RoomVisibility, UnreadCount } from '@parley/contracts';
import type { RoomReads } from './room-reads.js';
import type { UserRooms } from './room-rows.js';
import type { ConnectionRow, HistoryQuery, HistoryRow, ProfileState, ProjectionWrite } from '../rules/index.js';

/** A user the presence table shows online, with their display name when they have one. */
export interface OnlineUser {
  readonly user: string;
  readonly name?: string;
}

/** Who holds a (hub, conversation, user, client frame id): the first event that claimed it, with the rule state it froze. */
export interface FrameClaim {
  readonly eventId: string;
  /** JSON of the FrameState the rule decided on, so a redelivery decides the same. */
  readonly state?: string;
}

/** A changing frame's claim together with the decision taken on the state the claim freezes. */
export interface FrameCommit {
  readonly hub: string;
  /** The conversation the frame is aimed at; the claim lives in its partition. */
  readonly conversation: Conversation;
  readonly user: string;
  readonly clientId: string;
  readonly claim: FrameClaim;
  /** The decision's writes: those in the claim's partition are written with it, atomically; the rest after it. */
  readonly writes: readonly ProjectionWrite[];
  /** Users the decision took for members of the conversation's room: the commit fails as 'stale' if one is not. */
  readonly members: readonly string[];
  /** Users the decision took for members who may speak (a room send): the commit fails as 'stale' without their voice row. */
  readonly voices?: readonly string[];
}

export type CommitOutcome =
  | { readonly kind: 'committed' }
  /** The claim was there already: ours (a redelivery: nothing written now) or another event's (a resend). */
  | { readonly kind: 'held'; readonly claim: FrameClaim }
  /** The state the decision assumed no longer holds (a member row is missing): nothing written; load and decide again. */
  | { readonly kind: 'stale' };

/** A message found by its id: its row key, its row's ETag, and the message with its current state (every reacting user). */
export interface StoredMessage {
  readonly rowKey: string;
  readonly etag: string;
  readonly message: MessageFrame;
}

/** Told of every round trip to the tables, for the per-event-type metrics; `share` < 1 when events shared it. */
export type RequestReport = (table: string, operation: string, share?: number) => void;

/**
 * The worker's storage port: the event log, claims committed with their
 * decisions, the reads the rules need, and idempotent projection writes. The
 * Table Storage adapter is the only implementation; its tests run against
 * a real table service.
 */
export interface ChatStore extends RoomReads {
  /** Appends to the event log; an event that is already there is fine. */
  appendEvent(event: ChatEvent, receivedAt: Date): Promise<'appended' | 'exists'>;
  /** Claims a frame and writes its decision, in one round trip on the hot path (docs/architecture.md § Storage). */
  commitFrame(commit: FrameCommit): Promise<CommitOutcome>;
  /** Whether a frame's claim exists (the frame was stored before: this is a resend or a redelivery). */
  frameClaimed(hub: string, conversation: Conversation, user: string, clientId: string): Promise<boolean>;
  roomExists(hub: string, room: string): Promise<boolean>;
  isMember(hub: string, room: string, user: string): Promise<boolean>;
  /** A user who ever connected. */
  isKnownUser(hub: string, user: string): Promise<boolean>;
  roomsOf(hub: string, user: string): Promise<string[]>;
  /** Users online, at most ONLINE_LIST_LIMIT of them (a bounded read whatever the number online). */
  onlineUsers(hub: string): Promise<string[]>;
  /** The same users with their display names, in the same one read. */
  onlineProfiles(hub: string): Promise<OnlineUser[]>;
  /** The display name of the user's latest `chat.profile`; undefined when they have none. */
  userName(hub: string, user: string): Promise<string | undefined>;
  /** The user's display name and whether the presence row says they are online, in one read. */
  profileOf(hub: string, user: string): Promise<ProfileState>;
  /** Every connection row of the user: live ones and tombstones. */
  connectionsOf(hub: string, user: string): Promise<ConnectionRow[]>;
  /** Up to `limit + 1` rows, newest first, after the query's row key. */
  readHistory(hub: string, query: HistoryQuery): Promise<HistoryRow[]>;
  /**
   * Applies writes; each is idempotent, so applying them again changes nothing. `committed`: the
   * conversation whose claim was committed with them — its rows were written then, atomically, and
   * are not written again (a later change by someone else, such as a removal, must stay).
   */
  apply(writes: readonly ProjectionWrite[], committed?: { readonly hub: string; readonly conversation: Conversation }): Promise<void>;
  /** A message of the conversation, through its index row; undefined when the conversation has none with that id. */
  findMessage(hub: string, conversation: Conversation, messageId: string): Promise<StoredMessage | undefined>;
  /** The visibility recorded by the join that created the room; undefined when it has no row (public, or no room). */
  roomVisibility(hub: string, room: string): Promise<RoomVisibility | undefined>;
  /** The user's rooms and which of them are private, in one read. */
  roomsWithVisibilityOf(hub: string, user: string): Promise<UserRooms>;
  /** A message's row key by its id (its index row) and the user's read position in the conversation, in one read. */
  readPosition(hub: string, conversation: Conversation, user: string, messageId: string): Promise<{ messageRowKey?: string; positionRowKey?: string }>;
  /** A room's members (user ids), the first `upTo` of them when given. */
  roomMemberIds(hub: string, room: string, upTo?: number): Promise<string[]>;
  /** Unread messages of the lobby, the given rooms and direct chats (with those users) for the user (store/read-rows.ts). */
  unreadCounts(hub: string, user: string, rooms: readonly string[], directChats?: readonly string[]): Promise<UnreadCount[]>;
  /** The same store, telling `report` of each round trip (one view per event; cheap). */
  forEvent?(report: RequestReport): ChatStore;
}
