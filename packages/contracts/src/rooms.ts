import { conversationKey, roomConversation } from './tables.js';

/**
 * A room's own row, in its conversation partition of `messages`: written once by the event that
 * created the room and never changed, so the room's visibility is frozen from then on. A room
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
}
