import type { ChatEvent } from '@parley/contracts';
import type { HistoryQuery, HistoryRow, ProjectionWrite } from '../rules/index.js';

/** Who holds a (hub, user, client frame id): the first event that claimed it, with the rule state it froze. */
export interface FrameClaim {
  readonly eventId: string;
  /** JSON of the FrameState the rule decided on, so a redelivery decides the same. */
  readonly state?: string;
}

/**
 * The worker's storage port: the event log, the dedup claims, the reads the
 * rules need, and idempotent projection writes. The Table Storage adapter is
 * the only implementation; its tests run against Azurite.
 */
export interface ChatStore {
  /** Appends to the event log; an event that is already there is fine. */
  appendEvent(event: ChatEvent, receivedAt: Date): Promise<'appended' | 'exists'>;
  /** Claims (hub, user, clientId) for an event; answers the claim that holds the row, ours or an earlier one. */
  claimFrame(hub: string, user: string, clientId: string, claim: FrameClaim): Promise<FrameClaim>;
  roomExists(hub: string, room: string): Promise<boolean>;
  isMember(hub: string, room: string, user: string): Promise<boolean>;
  /** A user who ever connected. */
  isKnownUser(hub: string, user: string): Promise<boolean>;
  roomsOf(hub: string, user: string): Promise<string[]>;
  onlineUsers(hub: string): Promise<string[]>;
  connectionsOf(hub: string, user: string): Promise<string[]>;
  /** Up to `limit + 1` rows, newest first, after the query's row key. */
  readHistory(hub: string, query: HistoryQuery): Promise<HistoryRow[]>;
  /** Applies writes; each is idempotent, so applying them again changes nothing. */
  apply(writes: readonly ProjectionWrite[]): Promise<void>;
}
