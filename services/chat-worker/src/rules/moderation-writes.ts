import type { RoomVisibility } from '@parley/contracts';

/** A room member's own row as the moderation rules read and rewrite it (the `~member:` row). */
export interface MemberRow {
  readonly joinedAt: string;
  /** The event that created the membership. */
  readonly eventId: string;
  readonly private?: true;
  readonly role?: 'moderator';
  /** ISO time a mute ends; absent or past: not muted. */
  readonly mutedUntil?: string;
}

/**
 * The room row's count as loaded: every change to the room's members, roles, mutes or bans
 * rewrites the row with its ETag, so two of them never decide on the same count. A claim freezes
 * only the visibility (frame-claims.ts): a redelivery does not commit again, the ETag differs run
 * to run, and a count would tie other users' claims to the history of everyone's memberships
 * (erase-user removes one from the log).
 */
export interface RoomCounter {
  /** Absent in a frozen state. */
  readonly members?: number;
  readonly visibility: RoomVisibility;
  readonly etag?: string;
}

/** The projection writes of members, moderation and the directory (docs/architecture.md § Storage). */
export type RoomWrite =
  /** Replaces a member's `~member:` row as a whole (a role or a mute changed); the `memberships` row stays. */
  | { readonly kind: 'putMemberRow'; readonly hub: string; readonly room: string; readonly user: string; readonly row: MemberRow }
  /** A mute's end, apart from the member row so it outlives a leave (an unmute writes the time it ended). */
  | { readonly kind: 'putMute'; readonly hub: string; readonly room: string; readonly user: string; readonly until: string }
  /** A member's voice: may send to the room (present while a member and not muted). */
  | { readonly kind: 'putVoice'; readonly hub: string; readonly room: string; readonly user: string }
  /** Only written when the state saw the row: a transaction's delete of a missing row fails it. */
  | { readonly kind: 'removeVoice'; readonly hub: string; readonly room: string; readonly user: string }
  | {
      readonly kind: 'putBan';
      readonly hub: string;
      readonly room: string;
      readonly user: string;
      readonly by: string;
      readonly at: string;
      readonly eventId: string;
    }
  /** Only written when the state saw the row, like removeVoice. */
  | { readonly kind: 'removeBan'; readonly hub: string; readonly room: string; readonly user: string }
  /** The room row's new count (or the same: the row is rewritten to order the change), conditional on the ETag it was loaded with. */
  | { readonly kind: 'countRoom'; readonly hub: string; readonly room: string; readonly members: number; readonly etag?: string }
  /** A public room's count changed: its directory entry copies the room row's count as it is then. */
  | { readonly kind: 'copyToDirectory'; readonly hub: string; readonly room: string };
