import type { Conversation, ErrorCode, MessageFrame, NotifierCommand, RoomVisibility } from '@parley/contracts';
import type { Reaction } from './message-target.js';
import type { RoomWrite } from './moderation-writes.js';

/** What the rules know about the event being handled: time and ids are passed in, never read. */
export interface EventContext {
  readonly hub: string;
  readonly eventId: string;
  readonly userId: string;
  readonly connectionId: string;
  /** ISO time the gateway accepted the event; the message time and every timestamp. */
  readonly receivedAt: string;
  /**
   * The user's display name from their latest `chat.profile` (absent: they have none yet); frames
   * that name the user carry it beside the id. Frozen with a frame's claim, like its state.
   */
  readonly userName?: string;
}

/**
 * A projection change, as data: the store applies it idempotently (upserts keyed by event id, deletes that
 * tolerate 404). `putConnection` only inserts: it never overwrites the connection's tombstone.
 */
export type ProjectionWrite =
  | { readonly kind: 'putMessage'; readonly hub: string; readonly conversation: Conversation; readonly message: MessageFrame }
  /** A change of a stored message, written only if its row still has `etag` (rules/message-changes.ts). */
  | {
      readonly kind: 'changeMessage';
      readonly hub: string;
      readonly conversation: Conversation;
      readonly rowKey: string;
      readonly etag: string;
      readonly change: MessageChange;
    }
  | {
      readonly kind: 'putMember';
      readonly hub: string;
      readonly room: string;
      readonly user: string;
      readonly joinedAt: string;
      readonly eventId: string;
      /** The room is private (kept on the user's side too, so their room list needs no room reads). */
      readonly private?: boolean;
      /** A mute still running from before the user left: the new membership keeps it (and has no voice row). */
      readonly mutedUntil?: string;
    }
  /** The room's own row, written once by the join that creates it (insert only: a concurrent creator's commit fails). */
  | {
      readonly kind: 'putRoom';
      readonly hub: string;
      readonly room: string;
      readonly visibility: RoomVisibility;
      readonly createdBy: string;
      readonly createdAt: string;
      readonly eventId: string;
      /** Its first member count (set by the room-count step, rules/room-count.ts). */
      readonly members?: number;
    }
  | { readonly kind: 'removeMember'; readonly hub: string; readonly room: string; readonly user: string }
  | {
      readonly kind: 'putConnection';
      readonly hub: string;
      readonly user: string;
      readonly connectionId: string;
      readonly connectedAt: string;
      readonly eventId: string;
    }
  /** The connection's tombstone: written over a live row, or before its `chat.connected` arrived. */
  | {
      readonly kind: 'closeConnection';
      readonly hub: string;
      readonly user: string;
      readonly connectionId: string;
      readonly closedAt: string;
      readonly eventId: string;
      /** The code the worker refused the connection with (it never counted as live). */
      readonly refused?: string;
    }
  /** Forgets an old tombstone. */
  | { readonly kind: 'removeConnection'; readonly hub: string; readonly user: string; readonly connectionId: string }
  /** The user's display name, kept on their presence row (so the online list reads it for free). */
  | { readonly kind: 'putProfile'; readonly hub: string; readonly user: string; readonly name: string }
  /** `user` has a direct chat with `peer` (the listing the `state` frame's direct unread counts come from). */
  | { readonly kind: 'putDirectChat'; readonly hub: string; readonly user: string; readonly peer: string }
  /** A user's read position in a conversation (rules/read-state.ts): the last message read, by id, row key and time. */
  | {
      readonly kind: 'putReadPosition';
      readonly hub: string;
      readonly conversation: Conversation;
      readonly user: string;
      readonly messageId: string;
      readonly messageRowKey: string;
      readonly at: string;
      readonly readAt: string;
      readonly eventId: string;
    }
  | {
      readonly kind: 'putPresence';
      readonly hub: string;
      readonly user: string;
      readonly online: boolean;
      readonly connectionCount: number;
      readonly lastSeen: string;
    }
  | RoomWrite;

/** What an edit, delete or reaction changes on a message's row (a delete keeps only `message`: who sent it, when). */
export type MessageChange =
  /** `mentions` in a room only: the members the new text mentions, replacing the old ones. */
  | { readonly kind: 'edit'; readonly text: string; readonly editedAt: string; readonly mentions?: readonly string[] }
  | { readonly kind: 'delete'; readonly message: MessageFrame }
  /** The whole new list, with every reacting user. */
  | { readonly kind: 'react'; readonly reactions: readonly Reaction[] };

/** The outcome of one rule: writes to apply, then commands to send, in this order. */
export interface Decision {
  readonly writes: readonly ProjectionWrite[];
  readonly commands: readonly NotifierCommand[];
  /** Set when the rule refused the frame; the only command is then the error frame. */
  readonly rejected?: ErrorCode;
}

export const nothing: Decision = Object.freeze({ writes: [], commands: [] });
