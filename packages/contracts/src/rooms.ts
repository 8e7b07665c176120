import { conversationKey, roomConversation } from './tables.js';

/**
 * A room's own row, in its conversation partition of `messages`: written once by the event that
 * created the room; its visibility, creator and creation are never changed after (its member
 * count is). A room
 * without one (created before rooms had it) is public. `~room` sorts after every message row
 * key, so history scans never meet it.
 */
export const roomInfoKeys = (hub: string, room: string) => ({
  partitionKey: conversationKey(hub, roomConversation(room)),
  rowKey: '~room',
});

export type RoomVisibility = 'public' | 'private';

export interface RoomEntity {
  partitionKey: string;
  rowKey: string;
  room: string;
  visibility: RoomVisibility;
  createdBy: string;
  createdAt: string;
  /** The event that created the room. */
  eventId: string;
  /**
   * Its members now (absent on a row written before rooms were counted: count the member rows).
   * Every change to the room's members, roles, mutes or bans rewrites the row with the ETag it was
   * read with, so concurrent changes are decided one after the other.
   */
  members?: number;
}
